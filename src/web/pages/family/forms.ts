/** The Family pages' forms: a new person, a new password, a new family with its first administrator. */
import { z } from 'zod';
import { isTimeZone } from '../../../dates.js';
import { text } from '../../forms.js';
import { passwordSchema, usernameSchema } from '../auth/forms.js';

export const newUserSchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
  role: z.enum(['admin', 'member']),
});

export const newFamilySchema = z.object({
  family: text(100),
  time_zone: z.string().trim().refine(isTimeZone, 'is not an IANA time zone such as America/New_York'),
  username: usernameSchema,
  password: passwordSchema,
});

export const LABELS = {
  username: 'Username',
  password: 'Password',
  role: 'Role',
  family: 'Family name',
  time_zone: 'Time zone',
};

export const newPasswordSchema = z
  .object({ current: z.string(), password: passwordSchema, password2: z.string() })
  .refine((v) => v.password === v.password2, {
    path: ['password2'],
    message: 'does not match the new password',
  });

export const NEW_PASSWORD_LABELS = {
  current: 'Current password',
  password: 'New password',
  password2: 'Repeat the new password',
};
