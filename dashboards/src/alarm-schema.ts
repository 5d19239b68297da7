/**
 * How the alarm engine (branch issue-alarms) stores alarm changes in InfluxDB, as agreed
 * with it: one point per change, measurement `alarms`, tags rule, device, family,
 * severity; fields alarm_id, state (open | acknowledged | closed), change, value, limit
 * and open (1 while the alarm is open or acknowledged, else 0). Once the engine lands,
 * its own constants should replace these.
 */
export const alarmsMeasurement = 'alarms';
export const alarmTags = ['rule', 'device', 'family', 'severity'] as const;
export const alarmFields = { id: 'alarm_id', state: 'state', change: 'change', value: 'value', limit: 'limit', open: 'open' } as const;
