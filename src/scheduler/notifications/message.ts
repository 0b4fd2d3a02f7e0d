/** What a notification says, whatever the channel. Built from our own data: never a secret. */
export type NotificationEvent = 'failure' | 'needs_attention' | 'recovery' | 'success' | 'test';

export interface NotificationMessage {
  event: NotificationEvent;
  familyId: string;
  familyName: string;
  /** What it is about: 'sync', 'connection:<id>', 'delivery:firefly'… */
  subject: string;
  title: string;
  body: string;
  occurredAt: string;
}

/** ntfy priorities (1 min … 5 max) and tags (emoji short codes) per event. */
export const NTFY_STYLE: Record<NotificationEvent, { priority: number; tags: string[] }> = {
  failure: { priority: 4, tags: ['warning', 'sophtron-sync'] },
  needs_attention: { priority: 4, tags: ['lock', 'sophtron-sync'] },
  recovery: { priority: 3, tags: ['white_check_mark', 'sophtron-sync'] },
  success: { priority: 2, tags: ['heavy_check_mark', 'sophtron-sync'] },
  test: { priority: 3, tags: ['bell', 'sophtron-sync'] },
};
