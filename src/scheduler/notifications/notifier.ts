/**
 * The notifier: records outcomes as incidents and sends the resulting messages to the family's
 * channels. A channel that fails is logged and skipped: one broken webhook never hides a message
 * from the others, and never fails a sync.
 */
import type { Logger } from '../../log.js';
import type { Outcome, Store } from '../../store/index.js';
import { channelsRepository, type Channel } from './channels.js';
import type { NotificationEvent, NotificationMessage } from './message.js';
import { sendToChannel, type SendOptions } from './send.js';

export interface NotifierDeps extends SendOptions {
  store: Store;
  log?: Logger;
  now?: () => Date;
  /**
   * PostgreSQL mode: a message is put on the job queue, one job per channel (retried on its own),
   * instead of sent here; a worker sends it with `sendQueued`. The incident is recorded either way.
   */
  enqueue?: (channelId: string, message: NotificationMessage) => Promise<void>;
}

export interface ChannelResult {
  channelId: string;
  name: string;
  ok: boolean;
  error?: string;
}

export interface Notifier {
  /** Records the outcome of a subject and sends a message when an incident opens or recovers. */
  outcome(
    familyId: string,
    subject: string,
    label: string,
    outcome: Outcome,
    /** Titles other than "<label> failed" / "<label> works again". */
    titles?: { opened?: string; recovered?: string },
  ): Promise<{ event: NotificationEvent | null; results: ChannelResult[] }>;
  /** A success message, sent only to channels that asked for them. */
  success(familyId: string, subject: string, title: string, body: string): Promise<ChannelResult[]>;
  /** Sends a test message to every channel of the family (or the given ones), enabled or not. */
  test(familyId: string, channelIds?: string[]): Promise<ChannelResult[]>;
  /** A queued message to one channel; null when the channel is gone or switched off since. */
  sendQueued(channelId: string, message: NotificationMessage): Promise<ChannelResult | null>;
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const channels = channelsRepository(deps.store);
  const now = deps.now ?? (() => new Date());
  const broken = (ch: { id: string; name: string }, error: string) =>
    deps.log?.error({ channel: ch.name, error }, 'notification channel cannot be read (secret key changed?)');

  async function familyName(familyId: string): Promise<string> {
    return (await deps.store.getFamily(familyId))?.name ?? familyId;
  }

  async function deliver(list: Channel[], message: NotificationMessage): Promise<ChannelResult[]> {
    if (deps.enqueue && message.event !== 'test') {
      for (const channel of list) await deps.enqueue(channel.id, message);
      return [];
    }
    return sendNow(list, message);
  }

  async function sendNow(list: Channel[], message: NotificationMessage): Promise<ChannelResult[]> {
    const results: ChannelResult[] = [];
    for (const channel of list) {
      try {
        await sendToChannel(channel, message, deps);
        results.push({ channelId: channel.id, name: channel.name, ok: true });
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        deps.log?.warn({ channel: channel.name, kind: channel.kind, error }, 'notification not sent');
        results.push({ channelId: channel.id, name: channel.name, ok: false, error });
      }
    }
    return results;
  }

  async function message(
    familyId: string,
    event: NotificationEvent,
    subject: string,
    title: string,
    body: string,
  ): Promise<NotificationMessage> {
    return {
      event,
      familyId,
      familyName: await familyName(familyId),
      subject,
      title,
      body,
      occurredAt: now().toISOString(),
    };
  }

  return {
    async outcome(familyId, subject, label, outcome, titles = {}) {
      const change = await deps.store.recordIncidentOutcome(familyId, subject, outcome, now());
      if (change.change === 'none') return { event: null, results: [] };
      let msg: NotificationMessage;
      if (change.change === 'opened' && change.kind === 'needs_attention') {
        msg = await message(
          familyId,
          'needs_attention',
          subject,
          `${label} needs your attention`,
          `${change.message}\nAutomatic syncs of it are paused until you reconnect or refresh it in Sophtron Sync.`,
        );
      } else if (change.change === 'opened') {
        msg = await message(
          familyId,
          'failure',
          subject,
          titles.opened ?? `${label} failed`,
          `${change.message}\nIt will be retried automatically; you get one message when it works again.`,
        );
      } else {
        msg = await message(
          familyId,
          'recovery',
          subject,
          titles.recovered ?? `${label} works again`,
          `Recovered after ${change.occurrences} failed attempt${change.occurrences === 1 ? '' : 's'} since ${change.openedAt}.`,
        );
      }
      const list = (await channels.loadChannels(familyId, undefined, broken)).filter((c) => c.enabled);
      return { event: msg.event, results: await deliver(list, msg) };
    },

    async success(familyId, subject, title, body) {
      const list = (await channels.loadChannels(familyId, undefined, broken)).filter(
        (c) => c.enabled && c.onSuccess,
      );
      if (list.length === 0) return [];
      return deliver(list, await message(familyId, 'success', subject, title, body));
    },

    async test(familyId, channelIds) {
      const failed: ChannelResult[] = [];
      const list = await channels.loadChannels(familyId, channelIds, (ch, error) => {
        broken(ch, error);
        failed.push({
          channelId: ch.id,
          name: ch.name,
          ok: false,
          error: 'its settings cannot be read; add it again',
        });
      });
      const sent = await deliver(
        list,
        await message(
          familyId,
          'test',
          'test',
          'Sophtron Sync test message',
          'If you can read this, notifications reach you.',
        ),
      );
      return [...sent, ...failed];
    },

    async sendQueued(channelId, message) {
      const list = await channels.loadChannels(message.familyId, [channelId], broken);
      const channel = list.find((c) => c.id === channelId && c.enabled);
      if (!channel) return null;
      const [result] = await sendNow([channel], message);
      return result ?? null;
    },
  };
}
