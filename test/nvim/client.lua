-- Headless Neovim as an independent LSP client of the bundled damon-config server.
-- Opens DAMON_FILE, waits for diagnostics, hovers, applies the preferred quick fix for
-- memcg-path-form, writes the file, and records what it saw as JSON in DAMON_OUT.
local server = os.getenv('DAMON_SERVER')
local file = os.getenv('DAMON_FILE')
local out = os.getenv('DAMON_OUT')
local profile = os.getenv('DAMON_PROFILE')
local result = { diagnostics = {}, errors = {} }

local function finish()
  local f = io.open(out, 'w')
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qa!')
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  -- the setup docs/editor.md gives for Neovim 0.7: 0.7 declares no workspace/configuration and sends
  -- no didChangeConfiguration, so the settings go in init_options (and in settings for newer versions)
  local damon = { profile = profile }
  local id = vim.lsp.start_client({
    name = 'damon-config',
    cmd = { 'node', server, '--stdio' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
    init_options = { damon = damon },
    settings = { damon = damon },
    handlers = {
      ['damon/status'] = function(_, status) result.status = status end,
    },
  })
  assert(id, 'the language server did not start')
  vim.lsp.buf_attach_client(buf, id)
  local got = vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  assert(got, 'no diagnostics within 15 s')
  local target
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = (d.user_data or {}).lsp or {}
    local code = d.code or lsp.code
    table.insert(result.diagnostics, { code = code, lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col, severity = d.severity, message = d.message })
    if code == 'memcg-path-form' then target = { d = d, lsp = lsp, code = code } end
  end
  assert(target, 'no memcg-path-form diagnostic')
  local uri = vim.uri_from_bufnr(buf)
  -- hover on the value `200 MiB`
  local line = vim.fn.search('200 MiB', 'nw') - 1
  local col = vim.fn.getline(line + 1):find('200 MiB', 1, true)
  local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', { textDocument = { uri = uri }, position = { line = line, character = col } }, 5000)
  for _, r in pairs(hover or {}) do
    if r.result and r.result.contents then result.hover = r.result.contents.value end
  end
  -- the profile took effect: the node-share inlay hint (0.7 does not render hints: ask for them)
  local hints = vim.lsp.buf_request_sync(buf, 'textDocument/inlayHint', { textDocument = { uri = uri }, range = { start = { line = 0, character = 0 }, ['end'] = { line = vim.api.nvim_buf_line_count(buf), character = 0 } } }, 5000)
  result.hints = {}
  for _, r in pairs(hints or {}) do
    for _, h in ipairs(r.result or {}) do
      table.insert(result.hints, { label = h.label, line = h.position.line, character = h.position.character })
    end
  end
  -- the quick fix, as Neovim's own code action request sends it
  local d = target.d
  local range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } }
  local ctx_diag = { range = range, message = d.message, code = target.code, severity = d.severity, source = d.source }
  local actions = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', { textDocument = { uri = uri }, range = range, context = { diagnostics = { ctx_diag } } }, 5000)
  local chosen
  result.actions = {}
  for _, r in pairs(actions or {}) do
    for _, a in ipairs(r.result or {}) do
      table.insert(result.actions, { title = a.title, kind = a.kind, isPreferred = a.isPreferred })
      if a.isPreferred and a.kind == 'quickfix' then chosen = a end
    end
  end
  assert(chosen, 'no preferred quick fix')
  vim.lsp.util.apply_workspace_edit(chosen.edit, 'utf-16')
  vim.cmd('write')
  -- after the edit the server re-checks: the problem must be gone
  local fixed = vim.wait(10000, function()
    for _, x in ipairs(vim.diagnostic.get(buf)) do
      local c = x.code or ((x.user_data or {}).lsp or {}).code
      if c == 'memcg-path-form' then return false end
    end
    return #vim.diagnostic.get(buf) > 0
  end, 50)
  result.fixed = fixed
  vim.lsp.stop_client(id)
end)
if not ok then table.insert(result.errors, tostring(err)) end
finish()
