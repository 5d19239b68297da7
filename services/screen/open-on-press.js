import { model } from './model.js';

/**
 * Opens a device's series from its panel. Rows may be replaced between press and release (an
 * update), so the device is taken from the press and opened on a release over the same device.
 */
export function openOnPress(container, open) {
  let pressed = null;
  const deviceAt = (event) => (event.target.closest?.('button') ? null : event.target.closest?.('[data-device]')?.dataset.device ?? null);
  container.addEventListener('pointerdown', (event) => { pressed = deviceAt(event); });
  container.addEventListener('pointercancel', () => { pressed = null; });
  container.addEventListener('pointerup', (event) => {
    const id = deviceAt(event);
    const device = id !== null && id === pressed ? model.devices.get(id) : undefined;
    pressed = null;
    if (device) open(device);
  });
}
