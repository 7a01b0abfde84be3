/**
 * The damon-config language server entry point (bundled to dist/server.js).
 *   node dist/server.js --stdio        (any LSP editor)
 *   node dist/server.js --node-ipc     (VS Code client, TransportKind.ipc)
 *   node dist/server.js --socket=PORT  (connects to 127.0.0.1:PORT)
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './lsp/server';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write('usage: damon-config-server --stdio | --node-ipc | --socket=PORT\n');
  process.exit(0);
}
if (!argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket=') || a.startsWith('--pipe='))) {
  process.stderr.write('damon-config language server: choose a transport: --stdio, --node-ipc or --socket=PORT\n');
  process.exit(2);
}
// createConnection reads the transport from process.argv
const connection = createConnection(ProposedFeatures.all);
startServer(connection);
connection.listen();
