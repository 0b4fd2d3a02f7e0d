/** Table parts the pages share. */
import type { Child } from 'hono/jsx';

/**
 * A table head whose last column holds each row's buttons: its header is named for screen readers
 * only, since a visible "Actions" over a column of buttons says nothing the buttons do not.
 */
export function HeadWithActions({ children }: { children?: Child }) {
  return (
    <thead>
      <tr>
        {children}
        <th scope="col">
          <span class="visually-hidden">Actions</span>
        </th>
      </tr>
    </thead>
  );
}
