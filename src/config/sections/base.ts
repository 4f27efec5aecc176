import { z } from 'zod';

/**
 * What every section file shares (Frigate's config/base.py): a section is a strict object
 * (unknown keys are rejected) whose every field has a default, so the section may be omitted.
 */
// Generic over the shape, TypeScript cannot prove {} is a valid input; every field has a default.
export const section = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).prefault({} as never);
