/** The sandbox's request log and per-endpoint counts (read through the control handle / API). */

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  /** Canonical endpoint name, e.g. "Transaction/GetTransactionsByTransactionDate"; "unknown" for 404s. */
  endpoint: string;
  userId: string | null;
  status: number;
  fault: string | null;
}

const MAX_ENTRIES = 5_000;

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private next = 0;
  private readonly counts = new Map<string, number>();

  add(entry: RequestLogEntry): void {
    // A ring buffer: benchmarks log tens of thousands of requests and must not pay for shifting.
    if (this.entries.length < MAX_ENTRIES) this.entries.push(entry);
    else this.entries[this.next] = entry;
    this.next = (this.next + 1) % MAX_ENTRIES;
    this.counts.set(entry.endpoint, (this.counts.get(entry.endpoint) ?? 0) + 1);
  }

  /** Oldest first (at most the last 5,000). */
  list(): RequestLogEntry[] {
    if (this.entries.length < MAX_ENTRIES) return [...this.entries];
    return [...this.entries.slice(this.next), ...this.entries.slice(0, this.next)];
  }

  countsByEndpoint(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  reset(): void {
    this.entries = [];
    this.next = 0;
    this.counts.clear();
  }
}
