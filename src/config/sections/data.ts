import { z } from 'zod';
import { section } from './base.js';

/** data: where the gallery lives on disk. */

export const dataSchema = section({
  dir: z.string().min(1).default('./data')
    .describe('Folder holding the gallery store (SQLite), the HNSW index and the face crops.'),
});

export type DataConfig = z.infer<typeof dataSchema>;
