/** Executable entry of the CLI (bin/sophtron-sync.js and the tests that start the CLI run its compiled form). */
import { main } from './index.js';

const code = await main();
// Long-running commands (serve, sandbox, worker) keep the event loop alive; short ones end by themselves.
if (code !== 0) process.exit(code);
