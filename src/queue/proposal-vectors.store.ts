import type { Redis } from 'ioredis';
import { redisKeys } from './keys.js';

/**
 * The gallery's proposer vectors in Redis, for the vision workers' two-witness pre-filter: a
 * worker runs the confirming model only on faces the proposer could name (within its open-set
 * threshold of some enrolled sample), so the second network costs only where a name is at stake.
 * The hub writes the vectors whenever the gallery changes; workers read the revision every few
 * seconds and the vectors only when it changed. Layout: int32 dim, then dim float32 per sample.
 */
export class ProposalVectorsStore {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  /** Write the vectors of a gallery revision (the hub). */
  async publish(revision: string, dim: number, vectors: Iterable<Float32Array>): Promise<number> {
    const list = [...vectors].filter((v) => v.length === dim);
    const buf = Buffer.alloc(4 + list.length * dim * 4);
    buf.writeInt32LE(dim, 0);
    list.forEach((v, i) => { Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(buf, 4 + i * dim * 4); });
    await this.redis.multi().set(redisKeys.proposalVectors(this.prefix), buf).set(redisKeys.proposalRevision(this.prefix), revision).exec();
    return list.length;
  }

  revision(): Promise<string | null> {
    return this.redis.get(redisKeys.proposalRevision(this.prefix));
  }

  /** The vectors as one packed array (null: nothing published). */
  async vectors(): Promise<{ dim: number; data: Float32Array } | null> {
    const buf = await this.redis.getBuffer(redisKeys.proposalVectors(this.prefix));
    if (!buf || buf.length < 4) return null;
    const dim = buf.readInt32LE(0);
    if (dim <= 0 || (buf.length - 4) % (dim * 4) !== 0) return null;
    const data = new Float32Array((buf.length - 4) / 4);
    for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(4 + i * 4);
    return { dim, data };
  }

  async clear(): Promise<void> {
    await this.redis.del(redisKeys.proposalVectors(this.prefix), redisKeys.proposalRevision(this.prefix));
  }
}
