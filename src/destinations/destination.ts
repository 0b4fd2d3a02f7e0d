/**
 * A destination: where a family's ledger is delivered after a scheduled sync (Firefly III, a
 * folder of files, …). The scheduler, the CLI's `schedule destination` and the Schedule page know
 * destinations only through this interface and the registry (src/app/destinations.ts), so a new
 * one is a module that implements it, registered there.
 */
import type { z } from 'zod';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';

export interface DeliveryContext {
  store: Store;
  config: Config;
  now: Date;
  /** The caller (the scheduler's tick) holds the family's lock under this owner; absent, take it. */
  lockHeldBy?: string;
  log?: Logger;
}

/** What a delivery came to, in a few words (the schedule's last message, a notification). */
export interface DeliverySummary {
  message: string;
}

/** A command-line flag of `schedule destination <name> on|off` that sets this destination's options. */
export interface DestinationFlag {
  /** commander's spelling, e.g. '--folder <dir>' or '--no-config'. */
  flags: string;
  description: string;
  defaultValue?: string;
}

export interface Destination<O = unknown> {
  /** Its key: saved with the family's settings, typed on the command line, a form field's name. */
  name: string;
  /** How a person calls it: 'Firefly III'. */
  label: string;
  /** The notification title of its scheduled delivery: 'Delivery to Firefly III'. */
  deliveryTitle: string;
  /** Its saved options; bad ones are refused naming the field. */
  options: z.ZodType<O, unknown>;
  /** Its settings in a few words for pages and the CLI; null: none saved yet or not valid. */
  describe(options: O | null): string;
  /** Delivers what changed since its last delivery; throws when it did not. */
  deliver(familyId: string, options: O, ctx: DeliveryContext): Promise<DeliverySummary>;
  /** The command line's flags for its options, and the options they give (undefined: keep the saved). */
  cli?: {
    flags: DestinationFlag[];
    options(flags: Record<string, unknown>): unknown;
  };
}

/** The destinations this program knows, in the order pages and commands list them. */
export class DestinationRegistry {
  readonly #byName = new Map<string, Destination>();

  constructor(destinations: Destination[] = []) {
    for (const d of destinations) this.register(d);
  }

  /** Adds a destination; the function returned removes it again. */
  register<O>(destination: Destination<O>): () => void {
    if (this.#byName.has(destination.name))
      throw new Error(`a destination named "${destination.name}" is already registered`);
    this.#byName.set(destination.name, destination as Destination);
    return () => this.#byName.delete(destination.name);
  }

  get(name: string): Destination | undefined {
    return this.#byName.get(name);
  }

  list(): Destination[] {
    return [...this.#byName.values()];
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  /** The destination of that name, or an error listing the known names. */
  require(name: string): Destination {
    const d = this.get(name);
    if (!d) throw new UnknownDestinationError(name, this.names());
    return d;
  }

  /** The destination's settings in a few words, whatever was saved. */
  describe(name: string, options: unknown): string {
    const d = this.require(name);
    const parsed = d.options.safeParse(options);
    return d.describe(parsed.success ? parsed.data : null);
  }

  /** Options for the destination, or what is wrong with them naming the field ("files folder: …"). */
  parseOptions(name: string, raw: unknown): { ok: true; options: unknown } | { ok: false; message: string } {
    const parsed = this.require(name).options.safeParse(raw);
    if (parsed.success) return { ok: true, options: parsed.data };
    const issue = parsed.error.issues[0]!;
    return { ok: false, message: `${name} ${issue.path.join('.') || 'options'}: ${issue.message}` };
  }

  /** One delivery with saved options, checked first. */
  async deliver(
    name: string,
    familyId: string,
    raw: unknown,
    ctx: DeliveryContext,
  ): Promise<DeliverySummary> {
    const parsed = this.parseOptions(name, raw);
    if (!parsed.ok) throw new Error(parsed.message);
    return this.require(name).deliver(familyId, parsed.options, ctx);
  }
}

export class UnknownDestinationError extends Error {
  constructor(
    readonly destination: string,
    known: string[],
  ) {
    super(`destination: ${known.join(' or ')}, not "${destination}"`);
    this.name = 'UnknownDestinationError';
  }
}
