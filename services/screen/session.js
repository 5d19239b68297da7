// Signing the screen in when the district's reads need a token (WX_API_READ_ACCESS=token): the
// token goes once to /api/v1/session, which answers with an HttpOnly cookie; the token itself is
// kept nowhere in the browser. An EventSource cannot send an Authorization header, a cookie it can.
import { getSession, signIn } from './api.js';
import { t } from './i18n.js';

/**
 * The sign-in dialog. `ensure()` asks the platform whether this browser may read and shows the
 * dialog until it may; `required()` shows it after a read was refused (a session that ended or was
 * revoked). Callers that ask at the same time wait for the same sign-in.
 */
export function createSignIn({ dialog, form, input, error, submit }) {
  let waiting = null;
  let done = () => undefined;

  const say = (key) => {
    error.dataset.i18n = key;
    error.textContent = t(key);
    error.hidden = false;
  };

  // A wall screen has nothing to show without its data: the dialog stays until the sign-in works.
  dialog.addEventListener('cancel', (event) => event.preventDefault());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    submit.disabled = true;
    submit.textContent = t('signingIn');
    signIn(value)
      .then((ok) => {
        if (!ok) {
          say('signInWrong');
          input.select();
          return;
        }
        input.value = '';
        error.hidden = true;
        dialog.close();
        done();
      })
      // 429: the address is throttled after refused tokens (even the right one waits), not unreachable.
      .catch((failure) => say(failure?.status === 429 ? 'signInThrottled' : 'signInFailed'))
      .finally(() => {
        submit.disabled = false;
        submit.textContent = t('signIn');
      });
  });

  function ask(reason) {
    if (waiting) return waiting;
    waiting = new Promise((resolve) => {
      done = () => {
        waiting = null;
        resolve();
      };
      if (reason) say(reason);
      else error.hidden = true;
      dialog.showModal();
      input.focus();
    });
    return waiting;
  }

  let signedIn = false;
  return {
    async ensure() {
      const status = await getSession();
      if (!status.canRead) await ask(signedIn ? 'signInAgain' : null);
      signedIn = signedIn || status.readAccess === 'token';
    },
    async required() {
      await ask(signedIn ? 'signInAgain' : null);
      signedIn = true;
    },
  };
}
