/** The only thing retention needs from time: injectable so tests run it with a fake clock. */
export interface Clock { now(): number }

export const systemClock: Clock = { now: () => Date.now() };
