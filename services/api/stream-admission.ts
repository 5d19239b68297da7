/**
 * Who may open one more event stream (issue 18 item 7): an address holds at most `perAddress`
 * anonymous streams, and the last `reservedForSignedIn` of the `total` slots go only to screens
 * that present a token or a session, so an anonymous flood from many addresses still leaves the
 * operations centre's signed-in screens their place. Signed-in streams are bounded by `total` only:
 * a wall of screens behind one proxy or NAT shares one address, and each presents a credential.
 */
export interface StreamAdmissionOptions {
  readonly total: number;
  readonly perAddress: number;
  readonly reservedForSignedIn: number;
}

export type Admission = { readonly ok: true; release(): void } | { readonly ok: false; readonly reason: 'address' | 'anonymous' | 'full' };

export interface StreamAdmission {
  admit(address: string, signedIn: boolean): Admission;
  readonly open: number;
}

export function createStreamAdmission(options: StreamAdmissionOptions): StreamAdmission {
  const byAddress = new Map<string, number>();
  let open = 0;
  let anonymous = 0;
  const anonymousLimit = Math.max(0, options.total - options.reservedForSignedIn);
  return {
    admit(address, signedIn) {
      const held = byAddress.get(address) ?? 0;
      if (!signedIn && held >= options.perAddress) return { ok: false, reason: 'address' };
      if (open >= options.total) return { ok: false, reason: 'full' };
      if (!signedIn && anonymous >= anonymousLimit) return { ok: false, reason: 'anonymous' };
      if (!signedIn) byAddress.set(address, held + 1);
      open += 1;
      if (!signedIn) anonymous += 1;
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          open -= 1;
          if (signedIn) return;
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
