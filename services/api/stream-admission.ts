/**
 * Who may open one more event stream (issue 18 item 7): an address holds at most `perAddress`
 * anonymous streams, and the last `reservedForSignedIn` of the `total` slots go only to screens
 * that present a token or a session, so an anonymous flood from many addresses still leaves the
 * operations centre's signed-in screens their place. Signed-in streams are not held to their
 * address (a wall of screens behind one proxy or NAT shares one address, and each presents a
 * credential) but to their credential: at most `perCredential` each, so that one reader's or one
 * department's token cannot take every slot, the ones kept for the wall too (red team 11).
 */
export interface StreamAdmissionOptions {
  readonly total: number;
  readonly perAddress: number;
  readonly reservedForSignedIn: number;
  /** Streams one credential may hold; unbounded (but for `total`) when not given. */
  readonly perCredential?: number;
}

export type Admission = { readonly ok: true; release(): void } | { readonly ok: false; readonly reason: 'address' | 'credential' | 'anonymous' | 'full' };

export interface StreamAdmission {
  /** `credential`: who a signed-in request is (its token's person), null for an anonymous one. */
  admit(address: string, credential: string | null): Admission;
  readonly open: number;
}

export function createStreamAdmission(options: StreamAdmissionOptions): StreamAdmission {
  const byAddress = new Map<string, number>();
  const byCredential = new Map<string, number>();
  const perCredential = options.perCredential ?? Infinity;
  let open = 0;
  let anonymous = 0;
  const anonymousLimit = Math.max(0, options.total - options.reservedForSignedIn);
  return {
    admit(address, credential) {
      const signedIn = credential !== null;
      const held = byAddress.get(address) ?? 0;
      const heldByCredential = signedIn ? byCredential.get(credential) ?? 0 : 0;
      if (!signedIn && held >= options.perAddress) return { ok: false, reason: 'address' };
      if (signedIn && heldByCredential >= perCredential) return { ok: false, reason: 'credential' };
      if (open >= options.total) return { ok: false, reason: 'full' };
      if (!signedIn && anonymous >= anonymousLimit) return { ok: false, reason: 'anonymous' };
      if (!signedIn) byAddress.set(address, held + 1);
      else byCredential.set(credential, heldByCredential + 1);
      open += 1;
      if (!signedIn) anonymous += 1;
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          open -= 1;
          if (signedIn) {
            const left = (byCredential.get(credential) ?? 1) - 1;
            if (left > 0) byCredential.set(credential, left);
            else byCredential.delete(credential);
            return;
          }
          anonymous -= 1;
          const left = (byAddress.get(address) ?? 1) - 1;
          if (left > 0) byAddress.set(address, left);
          else byAddress.delete(address);
        },
      };
    },
    get open() { return open; },
  };
}
