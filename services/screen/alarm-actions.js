import { postJson, token } from './api.js';
import { t } from './i18n.js';

// What the operator reads when an action fails: the platform's answer in words, never an HTTP path,
// an alarm id or the server's English message (issue 21, "Messages mislead").
const messageOf = (status) => ({ 401: 'tokenRefused', 403: 'tokenNotOperator', 404: 'alarmGone', 409: 'alarmChanged', 429: 'throttled' })[status] ?? (status ? 'actionFailed' : 'platformUnreachable');

/**
 * Acknowledges or closes an alarm with the operator token. Without a token it says to set one; a
 * success clears any earlier failure message. Returns the alarm as the platform now holds it.
 */
export async function alarmAction(alarm, action, { toast, clearToast }) {
  if (!token.get()) {
    toast(t('needToken'));
    return null;
  }
  try {
    const answer = await postJson(`/api/v1/alarms/${encodeURIComponent(alarm.id)}/${action}`, { note: t(action === 'ack' ? 'ackNote' : 'closeNote') });
    clearToast();
    return answer.alarm ?? answer;
  } catch (error) {
    toast(`${t(action === 'ack' ? 'ackFailed' : 'closeFailed')}: ${t(messageOf(error.status))}`);
    return null;
  }
}

/**
 * Whether a token may act as operator, asked of the platform without changing anything
 * (GET /api/v1/alarms/access): 204 for an operator, 401 for a wrong token, 403 for a reader.
 */
export async function checkOperatorToken(candidate) {
  try {
    const response = await fetch('/api/v1/alarms/access', { headers: { accept: 'application/json', authorization: `Bearer ${candidate}` } });
    if (response.ok) return { ok: true };
    return { ok: false, message: messageOf(response.status) };
  } catch {
    return { ok: false, message: 'platformUnreachable' };
  }
}
