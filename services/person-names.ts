/** Roles of people: a department sees its own events only (services/events), a reader reads, an officer reviews, an operator acts, an admin administers. */
export const personRoles = ['reader', 'department', 'officer', 'operator', 'admin'] as const;

/**
 * Names no person may have: the platform's own (`system` signs the automatic notes: "system:
 * device disabled") and the roles (an unnamed token's actions are recorded as its role). An
 * operator named `system` or `admin` read as the platform or an administrator (red team 7).
 */
export const reservedPersonNames: ReadonlySet<string> = new Set(['system', ...personRoles]);
