/**
 * Sandbox throughput: a signed GetTransactionsByTransactionDate returning about 1,000 rows, hammered
 * by a keep-alive client at a fixed concurrency. The sandbox runs as `sophtron-sync sandbox` in its
 * own process (as in real use), so the client's work does not eat the server's event loop. The
 * sandbox must never be the bottleneck of a sync benchmark: it should serve well over 1,000 such
 * requests per second.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../run.js';
import { NO_MFA_BANK_ID } from '../../src/sandbox/index.js';
import { authHeader, call } from '../../src/sandbox/test-helpers.js';

const REQUESTS = Number(process.env.BENCH_SANDBOX_REQUESTS ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_SANDBOX_CONCURRENCY ?? 8);
const ROWS = 1_000;
const repo = fileURLToPath(new URL('../../', import.meta.url));

/** User + system CPU time of a process from /proc (Linux), in milliseconds; NaN elsewhere. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in 1/100 s ticks
  } catch {
    return Number.NaN;
  }
}

export async function run(): Promise<BenchResult> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'sandbox',
      '--port',
      '0',
      '--json',
      '--polls-per-step',
      '1',
      '--seed',
      '1',
    ],
    { cwd: repo, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
    });
    const { baseUrl, userId, accessKey } = JSON.parse(line) as {
      baseUrl: string;
      userId: string;
      accessKey: string;
    };
    const user = { userId, accessKey };

    // Connect the NoMFA test bank and take its 10,000+ transaction account.
    const created = await call(baseUrl, user, 'POST', 'UserInstitution/CreateUserInstitution', {
      InstitutionID: NO_MFA_BANK_ID,
      UserName: 'asdf',
      Password: 'asdf',
    });
    for (let i = 0; i < 10; i++) {
      const job = await call(baseUrl, user, 'POST', 'Job/GetJobInformationByID', {
        JobID: created.json.JobID,
      });
      if (job.json.SuccessFlag !== null) break;
    }
    const accounts = (
      await call(baseUrl, user, 'POST', 'UserInstitution/GetUserInstitutionAccounts', {
        UserInstitutionID: created.json.UserInstitutionID,
      })
    ).json as { AccountID: string; AccountName: string }[];
    const big = accounts.find((a) => a.AccountName === 'High Volume Checking')!;
    const all = (
      await call(baseUrl, user, 'POST', 'Transaction/GetTransactionsByTransactionDate', {
        AccountID: big.AccountID,
      })
    ).json as { TransactionDate: string }[];
    // The newest ~1,000 rows: from the date of the 1,000th newest row to the last one.
    const body = JSON.stringify({
      AccountID: big.AccountID,
      StartDate: all[all.length - ROWS]!.TransactionDate.slice(0, 10),
      EndDate: all[all.length - 1]!.TransactionDate.slice(0, 10),
    });
    const url = `${baseUrl}/Transaction/GetTransactionsByTransactionDate`;
    const rowsPerRequest = (
      (await call(baseUrl, user, 'POST', 'Transaction/GetTransactionsByTransactionDate', JSON.parse(body)))
        .json as unknown[]
    ).length;

    const headers = {
      authorization: authHeader('POST', url, user),
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    };
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const one = () =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(url, { method: 'POST', headers, agent }, (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('end', () =>
            res.statusCode === 200 ? resolve(bytes) : reject(new Error(`HTTP ${res.statusCode}`)),
          );
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    const hammer = async (count: number) => {
      let sent = 0;
      let bytes = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (sent < count) {
            sent++;
            const n = await one();
            bytes += n;
          }
        }),
      );
      return bytes;
    };

    await hammer(300); // warm up: JIT, sockets, the sandbox's body cache
    const cpuBefore = processCpuMs(child.pid!);
    const started = performance.now();
    const bytes = await hammer(REQUESTS);
    const seconds = (performance.now() - started) / 1000;
    const serverCpuMs = processCpuMs(child.pid!) - cpuBefore;
    agent.destroy();
    return {
      name: 'sandbox: signed transactions call, ~1,000 rows (keep-alive client, sandbox in its own process)',
      figures: {
        'rows/request': rowsPerRequest,
        'body size (KiB)': Math.round(bytes / REQUESTS / 1024),
        requests: REQUESTS,
        concurrency: CONCURRENCY,
        'requests/s': Math.round(REQUESTS / seconds),
        'rows/s': Math.round((REQUESTS * rowsPerRequest) / seconds),
        'MiB/s': Math.round(bytes / seconds / 1024 / 1024),
        'total time (s)': Number(seconds.toFixed(2)),
        // CPU the sandbox process itself spent: a figure that does not depend on what else runs.
        'sandbox CPU per request (ms)': Number((serverCpuMs / REQUESTS).toFixed(3)),
        'sandbox capacity per core (requests/s)': Math.round(REQUESTS / (serverCpuMs / 1000)),
      },
    };
  } finally {
    child.kill('SIGTERM');
  }
}
