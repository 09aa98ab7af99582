#!/usr/bin/env -S node --max-semi-space-size=1 --heap-growing-percent=20 --expose-gc
// The node flags above are the server's (bin/server-node-flags.js reads them for the VS Code client
// and the benchmark). A 1 MB young generation instead of up to 16 MB, and an old generation that
// grows by 20% between full collections instead of up to 4x on machines with much memory, keep
// the peak RSS near the live heap; with --expose-gc the server collects a large document's previous
// parse before it parses the document again (server.ts). Started as
// `node bin/kms-policy-language-server.js`, the server runs without them.
require('../dist/server.js');
