/** The views of first-run setup and login, and the new-password field other pages share. */
import { MIN_PASSWORD_LENGTH } from '../../auth/passwords.js';
import { TIME_ZONE_LIST, TimeZoneList } from '../../components/time-zones.js';
import { CsrfField } from '../../layout.js';

/** What the person typed, shown again after a refusal (never the passwords). */
export interface SetupValues {
  code?: string;
  family?: string;
  timeZone: string;
  username?: string;
}

/** The password rule, next to the field (not only as the browser's refusal). */
export function PasswordRule() {
  return (
    <p class="hint" id="password-rule">
      At least {MIN_PASSWORD_LENGTH} characters; a few words are easier to remember than symbols.
    </p>
  );
}

/** A field for a new password, held to the password rule (shown by PasswordRule). */
export function NewPasswordField({ label }: { label: string }) {
  return (
    <label>
      {label}{' '}
      <input
        name="password"
        type="password"
        required
        autocomplete="new-password"
        minlength={MIN_PASSWORD_LENGTH}
        aria-describedby="password-rule"
      />
    </label>
  );
}

export function SetupForm({ csrf, values }: { csrf: string; values: SetupValues }) {
  return (
    <form method="post" action="/setup" class="card narrow">
      <CsrfField token={csrf} />
      <p>
        Create the first user (the administrator). The setup code was printed on the server's console when it
        started; it makes sure nobody else on your network claims this instance.
      </p>
      <label>
        Setup code <input name="code" required autocomplete="off" autofocus value={values.code ?? ''} />
      </label>
      <label>
        Family name <input name="family" required value={values.family ?? 'Family'} />
      </label>
      <label>
        Time zone <input name="time_zone" required value={values.timeZone} list={TIME_ZONE_LIST} />
      </label>
      <TimeZoneList />
      <label>
        Username <input name="username" required autocomplete="username" value={values.username ?? ''} />
      </label>
      <NewPasswordField label="Password" />
      <PasswordRule />
      <label>
        Repeat the password <input name="password2" type="password" required autocomplete="new-password" />
      </label>
      <button type="submit">Create the administrator</button>
    </form>
  );
}

export function LoginForm({ csrf, username }: { csrf: string; username?: string }) {
  return (
    <form method="post" action="/login" class="card narrow">
      <CsrfField token={csrf} />
      <label>
        Username <input name="username" required autocomplete="username" value={username ?? ''} autofocus />
      </label>
      <label>
        Password <input name="password" type="password" required autocomplete="current-password" />
      </label>
      <button type="submit">Log in</button>
    </form>
  );
}
