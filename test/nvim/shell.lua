-- Headless Neovim as an LSP client of the bundled server on a shell script with a damo command:
-- opens DAMON_FILE (a .sh), waits for its diagnostics, applies the preferred quick fix of
-- damo-count-mismatch, writes the file, waits until the error is gone, then runs the
-- "Convert to config file" code action (a server command for this client, which does not announce
-- documentChanges), and records what it saw as JSON in DAMON_OUT.
local server = os.getenv('DAMON_SERVER')
local file = os.getenv('DAMON_FILE')
local out = os.getenv('DAMON_OUT')
local profile = os.getenv('DAMON_PROFILE')
local result = { diagnostics = {}, errors = {}, actions = {} }

local function finish()
  local f = io.open(out, 'w')
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qa!')
end

local function code_of(d)
  return d.code or ((d.user_data or {}).lsp or {}).code
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[buf].filetype
  local id = vim.lsp.start_client({
    name = 'damon-config',
    cmd = { 'node', server, '--stdio' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
    settings = { damon = { profile = profile } },
  })
  assert(id, 'the language server did not start')
  vim.lsp.buf_attach_client(buf, id)
  local got = vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  assert(got, 'no diagnostics within 15 s')
  local target
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = code_of(d)
    table.insert(result.diagnostics, { code = code, lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col, severity = d.severity })
    if code == 'damo-count-mismatch' then target = { d = d, code = code } end
  end
  assert(target, 'no damo-count-mismatch diagnostic')
  local uri = vim.uri_from_bufnr(buf)
  local d = target.d
  local range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } }
  local ctx_diag = { range = range, message = d.message, code = target.code, severity = d.severity, source = d.source }
  local actions = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', { textDocument = { uri = uri }, range = range, context = { diagnostics = { ctx_diag } } }, 5000)
  local fix, convert
  for _, r in pairs(actions or {}) do
    for _, a in ipairs(r.result or {}) do
      table.insert(result.actions, { title = a.title, kind = a.kind, isPreferred = a.isPreferred, command = a.command and a.command.command or nil, hasEdit = a.edit ~= nil })
      if a.isPreferred and a.kind == 'quickfix' then fix = a end
      if a.title:find('^Convert to config file') then convert = a end
    end
  end
  assert(fix, 'no preferred quick fix')
  vim.lsp.util.apply_workspace_edit(fix.edit, 'utf-16')
  vim.cmd('write')
  result.fixed = vim.wait(10000, function()
    for _, x in ipairs(vim.diagnostic.get(buf)) do
      if code_of(x) == 'damo-count-mismatch' then return false end
    end
    return #vim.diagnostic.get(buf) > 0
  end, 50)
  result.after = {}
  for _, x in ipairs(vim.diagnostic.get(buf)) do table.insert(result.after, code_of(x)) end
  assert(convert, 'no "Convert to config file" action')
  local client = vim.lsp.get_client_by_id(id)
  local res = client.request_sync('workspace/executeCommand', convert.command, 10000, buf)
  assert(res and not res.err, 'executeCommand failed: ' .. vim.inspect(res))
  result.converted = res.result and res.result.uri or vim.NIL
  vim.lsp.stop_client(id)
end)
if not ok then table.insert(result.errors, tostring(err)) end
finish()
