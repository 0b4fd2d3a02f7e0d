/** One MFA challenge as a form the person answers in the page. */
import type { Challenge } from '../../domain/types.js';
import { CsrfField } from '../layout.js';

export function ChallengeForm(props: {
  sessionId: string;
  seq: number;
  challenge: Challenge;
  csrf: string;
  bank: string;
  /** What the built-in sandbox accepts here, when it answers. */
  sandboxHint?: string | null;
}) {
  const { challenge: ch, sessionId, seq } = props;
  const action = `/connect/session/${sessionId}/answer`;
  return (
    <form
      method="post"
      action={action}
      hx-post={action}
      hx-target="#connect-live"
      hx-swap="outerHTML"
      class="card challenge"
    >
      <CsrfField token={props.csrf} />
      <input type="hidden" name="seq" value={String(seq)} />
      <input type="hidden" name="kind" value={ch.kind} />
      {props.sandboxHint && <p class="hint sandbox-hint">{props.sandboxHint}</p>}
      {ch.kind === 'security_questions' && (
        <fieldset>
          <legend>
            {props.bank} asks your security {ch.questions.length > 1 ? 'questions' : 'question'}
          </legend>
          {ch.questions.map((q, i) => (
            <label>
              {q}
              <input name="answer" required autocomplete="off" autofocus={i === 0} />
            </label>
          ))}
        </fieldset>
      )}
      {ch.kind === 'token_method' && (
        <fieldset>
          <legend>Where should {props.bank} send your one-time code?</legend>
          {ch.methods.map((m, i) => (
            <label class="check">
              <input type="radio" name="method" value={m} required checked={i === 0} /> {m}
            </label>
          ))}
        </fieldset>
      )}
      {ch.kind === 'token_input' && (
        <label>
          One-time code {props.bank} sent you
          {/* Sophtron's own label is often just "Token": shown only when it says more. */}
          {ch.label && !/^\s*token\s*:?\s*$/i.test(ch.label) && <span class="hint"> ({ch.label})</span>}
          <input name="code" required autocomplete="one-time-code" inputmode="numeric" autofocus />
        </label>
      )}
      {ch.kind === 'token_read' && (
        <>
          <p>Approve the sign-in in {props.bank}'s app. It shows this code; check that it matches:</p>
          <p class="code-to-confirm" id="code-to-confirm">
            {ch.code}
          </p>
          <input type="hidden" name="approved" value="yes" />
        </>
      )}
      {ch.kind === 'captcha' && (
        <>
          <img
            src={`/connect/session/${sessionId}/captcha.png?seq=${seq}`}
            alt="Captcha image from the bank"
            width={200}
          />
          <label>
            Characters in the image
            <input name="text" required autocomplete="off" autofocus />
          </label>
        </>
      )}
      {ch.kind === 'account_select' && (
        <fieldset>
          <legend>{props.bank} asks which account to use</legend>
          {ch.accounts.map((a, i) => (
            <label class="check">
              <input type="radio" name="account" value={a.accountId} required checked={i === 0} /> {a.name}
            </label>
          ))}
        </fieldset>
      )}
      <button type="submit">{ch.kind === 'token_read' ? 'I approved it' : 'Send to the bank'}</button>
    </form>
  );
}
