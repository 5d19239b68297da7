import { checkOperatorToken } from './alarm-actions.js';
import { token } from './api.js';
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

/**
 * The operator token dialog: the token is checked against the platform before it is kept (issue
 * 21: it accepted anything); `onAccepted` runs once it is (the wall relabels its button).
 */
export function wireTokenDialog({ toast, clearToast, onAccepted }) {
  const dialog = $('token-dialog');
  const error = $('token-error');
  $('token-button').addEventListener('click', () => {
    $('token-input').value = '';
    error.hidden = true;
    dialog.showModal();
  });
  $('token-cancel').addEventListener('click', () => dialog.close());
  $('token-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = $('token-input').value.trim();
    if (!value) return;
    error.hidden = false;
    error.textContent = t('tokenChecking');
    const verdict = await checkOperatorToken(value);
    if (!verdict.ok) {
      error.textContent = t(verdict.message);
      $('token-input').select();
      return;
    }
    token.set(value);
    error.hidden = true;
    dialog.close();
    clearToast();
    toast(t('tokenAccepted'));
    onAccepted();
  });
}
