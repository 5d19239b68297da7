/**
 * The token of an `Authorization: Bearer <token>` header, or null. The scheme's name is
 * case-insensitive (RFC 9110 §11.1): `bearer <token>`, as some clients write it, was refused and
 * counted as a wrong token (red team 11). One reading for the API's doors and the review marks'
 * names, so the two never disagree about which token a request carries.
 */
export function bearerToken(header: string | undefined): string | null {
  return /^bearer +(\S+) *$/i.exec(header ?? '')?.[1] ?? null;
}
