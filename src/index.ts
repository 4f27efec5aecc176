/**
 * The public API of the `facestream` package (package.json "exports"): the face pipeline, the
 * gallery services, the config loader, the errors and the types they use. Everything else under
 * dist/ is internal and may move. The stream pipeline's roles, the REST server and the CLI are
 * started through `facestream` (bin) or workers/*.ts, not imported.
 *
 * examples/library.ts shows them together (a test runs it as written).
 */

// configuration: defaults < YAML file ($FACESTREAM_CONFIG or { file }) < FACESTREAM_* environment < overrides
export { loadConfig, type LoadOptions } from './config/index.js';
export type { Config, GalleryConfig } from './config/index.js';

// the face pipeline: decode -> detect -> landmarks -> align -> quality gate -> embed
export { openFacePipeline } from './roles/face-pipeline.factory.js';
export { FacePipeline } from './vision/face.pipeline.js';
export type { AnalyzedFace, AnalyzeOptions, AnalyzeResult, PipelineSettings, StageTimings, VerifyResult } from './vision/face.pipeline.js';
export type { ImageInput, RgbImage } from './vision/decode/image.decoder.js';
export type { FaceQuality } from './vision/types.js';
export type { Box } from './common/geometry.js';
export type { Point } from './vision/align/similarity.js';

// the gallery of a data directory: people, enrollment, identification, export/import
export { openGallery } from './identify/index.js';
export type {
  EnrollmentService, EnrollOutcome, FaceAnalyzer, Gallery, GalleryFile, GalleryLogger, GalleryOptions, GalleryTransferService,
  IdentificationService, IdentifiedFace, IdentifyMatch, ImportResult, PeopleService, PersonSummary, RejectReason,
} from './identify/index.js';
export type { PersonMatch } from './contracts/match.js';
export type { Person } from './store/people.repository.js';

// errors: every failure is a FaceStreamError with a stable code
export { errorCodes, FaceStreamError, isFaceStreamError, type ErrorCode } from './errors/index.js';
