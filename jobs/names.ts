// Queue and job names: no dependencies, so the CLI can parse flags without loading BullMQ.

export const QUEUE_NAMES = ['store', 'render', 'deliver', 'control'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Job names (the `name` of a BullMQ job): recurring tasks and the stages of the monthly pipeline. */
export const JOB_KINDS = [
  'collect-k8s', 'billing-pull', 'freshness', 'monthly-trigger', 'alerts',
  'pull', 'attribute', 'export', 'render', 'send', 'finish',
] as const;
export type JobKind = (typeof JOB_KINDS)[number];
