/** The first-run setup form, and the username and password rules the Family pages share. */
import { z } from 'zod';
import { isTimeZone } from '../../../dates.js';
import { MIN_PASSWORD_LENGTH } from '../../auth/passwords.js';
import { text } from '../../forms.js';

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._@-]{2,64}$/, 'use 2 to 64 letters, digits or . _ @ -');
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, 'is longer than 200 characters');

export const setupSchema = z
  .object({
    code: text(40),
    family: text(100),
    time_zone: z.string().trim().refine(isTimeZone, 'is not an IANA time zone such as America/New_York'),
    username: usernameSchema,
    password: passwordSchema,
    password2: z.string(),
  })
  .refine((v) => v.password === v.password2, { path: ['password2'], message: 'does not match the password' });

export const SETUP_LABELS = {
  code: 'Setup code',
  family: 'Family name',
  time_zone: 'Time zone',
  username: 'Username',
  password: 'Password',
  password2: 'Repeat the password',
};
