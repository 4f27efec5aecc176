import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

export const imageMimeTypes = new Set(['image/jpeg', 'image/png', 'image/webp']);

export interface UploadedFile { field: string; filename: string; mimetype: string; data: Buffer }

/**
 * Read a multipart upload: every file part (size limit enforced by @fastify/multipart while
 * streaming, before the bytes are kept) and the plain fields. Files that do not declare an image
 * type are refused (415); the decoder later checks the bytes themselves.
 */
export async function readUpload(req: FastifyRequest): Promise<{ files: UploadedFile[]; fields: Record<string, string> }> {
  if (!req.isMultipart()) throw new ApiError(415, 'E_UNSUPPORTED_MEDIA_TYPE', 'expected multipart/form-data with image files');
  const files: UploadedFile[] = [];
  const fields: Record<string, string> = {};
  for await (const part of req.parts()) {
    if (part.type === 'file') {
      if (!imageMimeTypes.has(part.mimetype)) {
        part.file.resume();
        throw new ApiError(415, 'E_UNSUPPORTED_MEDIA_TYPE', `${part.filename || part.fieldname}: content type ${part.mimetype} is not an image (JPEG, PNG or WebP)`);
      }
      files.push({ field: part.fieldname, filename: part.filename || part.fieldname, mimetype: part.mimetype, data: await part.toBuffer() });
    } else {
      fields[part.fieldname] = String(part.value);
    }
  }
  if (files.length === 0) throw new ApiError(400, 'E_VALIDATION', 'no image file in the upload');
  return { files, fields };
}
