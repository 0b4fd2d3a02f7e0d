/**
 * Bank connects a person watches (migration 0540), shared by every process on the database: the
 * process driving the Sophtron job writes its progress and each MFA challenge; any process reads
 * the state and writes the person's answer; the driver takes the answer (which clears it). The
 * bank password never comes here. Answers are sealed with the secret box while they wait.
 */
import type { Challenge, ChallengeAnswer } from '../domain/types.js';
import type { SecretBox } from './secret-box.js';
import type { Db } from './util.js';
import { insertLiveState, nowIso, pruneStartedBefore } from './util.js';

export type ConnectPhase = 'working' | 'challenge' | 'accounts' | 'failed';

export interface ConnectInstitution {
  id: string;
  name: string;
  countryCode: string | null;
}

export interface StoredConnectSession {
  id: string;
  ownerSession: string;
  familyId: string;
  institution: ConnectInstitution;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Epoch milliseconds of the driver's last write (it writes at least every few seconds while it runs). */
  updatedAt: number;
  phase: ConnectPhase;
  step: string | null;
  status: string | null;
  polls: number;
  challenge: Challenge | null;
  /** Increases with each challenge, so a stale form cannot answer a newer challenge. */
  challengeSeq: number;
  message: string | null;
  connectionId: string | null;
  cancelled: boolean;
}

/** What the driver may change as the job goes on. */
export interface ConnectProgress {
  phase?: ConnectPhase;
  step?: string | null;
  status?: string | null;
  polls?: number;
  message?: string | null;
  connectionId?: string | null;
}

type StoredChallenge =
  Exclude<Challenge, { kind: 'captcha' }> | { kind: 'captcha'; image: string; mimeType: 'image/png' };

const challengeToJson = (c: Challenge): string =>
  JSON.stringify(c.kind === 'captcha' ? { ...c, image: Buffer.from(c.image).toString('base64') } : c);

function challengeFromJson(text: string): Challenge {
  const c = JSON.parse(text) as StoredChallenge;
  return c.kind === 'captcha' ? { ...c, image: new Uint8Array(Buffer.from(c.image, 'base64')) } : c;
}

/** The answer's seal is bound to its session and round: it opens nowhere else. */
const answerAad = (id: string, seq: number) => `connect_sessions:${id}:${seq}`;

export function connectSessionsRepository(db: Db, secrets: SecretBox) {
  const row = (familyId: string, id: string) =>
    db.updateTable('connect_sessions').where('family_id', '=', familyId).where('id', '=', id);

  return {
    /** A new session, working; false if the id is taken. */
    async createConnectSession(
      familyId: string,
      s: {
        id: string;
        ownerSession: string;
        institution: ConnectInstitution;
        step: string;
        startedAt: number;
      },
    ): Promise<boolean> {
      return insertLiveState(db, 'connect_sessions', familyId, s, {
        owner_session: s.ownerSession,
        institution: JSON.stringify(s.institution),
        phase: 'working',
        step: s.step,
        status: null,
        challenge: null,
        answer: null,
        answer_seq: null,
        message: null,
        connection_id: null,
      });
    },

    async getConnectSession(familyId: string, id: string): Promise<StoredConnectSession | undefined> {
      const r = await db
        .selectFrom('connect_sessions')
        // Never the answer: it is for the driver (takeConnectAnswer), not for pages.
        .select([
          'id',
          'owner_session',
          'family_id',
          'institution',
          'started_at',
          'updated_at',
          'phase',
          'step',
          'status',
          'polls',
          'challenge',
          'challenge_seq',
          'message',
          'connection_id',
          'cancelled',
        ])
        .where('family_id', '=', familyId)
        .where('id', '=', id)
        .executeTakeFirst();
      return (
        r && {
          id: r.id,
          ownerSession: r.owner_session,
          familyId: r.family_id,
          institution: JSON.parse(r.institution) as ConnectInstitution,
          startedAt: Date.parse(r.started_at),
          updatedAt: Date.parse(r.updated_at),
          phase: r.phase as ConnectPhase,
          step: r.step,
          status: r.status,
          polls: r.polls,
          challenge: r.challenge ? challengeFromJson(r.challenge) : null,
          challengeSeq: r.challenge_seq,
          message: r.message,
          connectionId: r.connection_id,
          cancelled: r.cancelled === 1,
        }
      );
    },

    /**
     * The driver's progress. `whilePhase` keeps a late write from undoing a newer state (a poll's
     * progress after a challenge appeared); a cancelled session is never changed.
     */
    async updateConnectSession(
      familyId: string,
      id: string,
      p: ConnectProgress,
      whilePhase?: ConnectPhase,
    ): Promise<boolean> {
      let q = row(familyId, id)
        .set({
          updated_at: nowIso(),
          ...(p.phase !== undefined ? { phase: p.phase } : {}),
          ...(p.step !== undefined ? { step: p.step } : {}),
          ...(p.status !== undefined ? { status: p.status } : {}),
          ...(p.polls !== undefined ? { polls: p.polls } : {}),
          ...(p.message !== undefined ? { message: p.message } : {}),
          ...(p.connectionId !== undefined ? { connection_id: p.connectionId } : {}),
          // Once the job is over nothing waits for a person: no challenge, no answer left behind.
          ...(p.phase === 'accounts' || p.phase === 'failed' ? { challenge: null, answer: null } : {}),
        })
        .where('cancelled', '=', 0);
      if (whilePhase) q = q.where('phase', '=', whilePhase);
      return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
    },

    /** Shows a new challenge to the person; returns its round (the answer must name it), 0 if none. */
    async setConnectChallenge(familyId: string, id: string, challenge: Challenge): Promise<number> {
      const r = await row(familyId, id)
        .set((eb) => ({
          phase: 'challenge',
          challenge: challengeToJson(challenge),
          challenge_seq: eb('challenge_seq', '+', 1),
          answer: null,
          answer_seq: null,
          updated_at: nowIso(),
        }))
        .where('cancelled', '=', 0)
        .returning('challenge_seq')
        .executeTakeFirst();
      return r?.challenge_seq ?? 0;
    },

    /** The person's answer to round `seq`; false when no challenge of that round waits (stale, answered). */
    async answerConnectChallenge(
      familyId: string,
      id: string,
      seq: number,
      answer: ChallengeAnswer,
    ): Promise<boolean> {
      const r = await row(familyId, id)
        .set({
          phase: 'working',
          step: 'Sending your answer to the bank',
          challenge: null,
          answer: secrets.seal(JSON.stringify(answer), answerAad(id, seq)),
          answer_seq: seq,
          updated_at: nowIso(),
        })
        .where('phase', '=', 'challenge')
        .where('challenge_seq', '=', seq)
        .where('cancelled', '=', 0)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** The driver takes the answer to round `seq` (undefined while none came); it is cleared here. */
    async takeConnectAnswer(familyId: string, id: string, seq: number): Promise<ChallengeAnswer | undefined> {
      const r = await db
        .selectFrom('connect_sessions')
        .select(['answer'])
        .where('family_id', '=', familyId)
        .where('id', '=', id)
        .where('answer_seq', '=', seq)
        .where('answer', 'is not', null)
        .executeTakeFirst();
      if (!r?.answer) return undefined;
      await row(familyId, id).set({ answer: null }).where('answer_seq', '=', seq).execute();
      return JSON.parse(secrets.open(r.answer, answerAad(id, seq))) as ChallengeAnswer;
    },

    /** Marks a running session cancelled (its driver, wherever it runs, stops); false if it had ended. */
    async cancelConnectSession(familyId: string, id: string): Promise<boolean> {
      const r = await row(familyId, id)
        .set({
          cancelled: 1,
          phase: 'failed',
          message: 'Cancelled.',
          challenge: null,
          answer: null,
          updated_at: nowIso(),
        })
        .where('phase', 'in', ['working', 'challenge'])
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Sessions started before `before` (ISO) are forgotten. */
    async pruneConnectSessions(familyId: string, before: string): Promise<number> {
      return pruneStartedBefore(db, 'connect_sessions', familyId, before);
    },
  };
}
