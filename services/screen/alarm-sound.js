import { t } from './i18n.js';

// A new critical alarm sounds only after the operator allowed it once (browsers refuse audio before a
// gesture, and a wall should not beep unasked); the choice is kept; muting is one click.
const KEY = 'wanxiang.alarmSound';
let context = null;

export function createAlarmSound(button) {
  const state = () => localStorage.getItem(KEY) ?? 'off';
  const label = () => {
    button.textContent = state() === 'on' ? t('soundMute') : t('soundAllow');
    button.classList.toggle('on', state() === 'on');
    button.dataset.sound = state();
  };
  button.addEventListener('click', () => {
    if (state() === 'on') localStorage.setItem(KEY, 'muted');
    else {
      localStorage.setItem(KEY, 'on');
      context ??= new globalThis.AudioContext();
      void context.resume();
    }
    label();
  });
  label();
  return {
    relabel: label,
    /** Two short tones, when allowed. */
    ring() {
      if (state() !== 'on') return;
      try {
        context ??= new globalThis.AudioContext();
        for (const [at, freq] of [[0, 880], [0.25, 660]]) {
          const osc = context.createOscillator();
          const gain = context.createGain();
          osc.frequency.value = freq;
          gain.gain.value = 0.2;
          osc.connect(gain).connect(context.destination);
          osc.start(context.currentTime + at);
          osc.stop(context.currentTime + at + 0.2);
        }
      } catch {
        // No audio device (a headless wall): the flash is the signal.
      }
    },
  };
}
