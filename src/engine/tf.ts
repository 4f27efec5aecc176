import type * as tfjs from '@tensorflow/tfjs';

/** The TF.js namespace used by the whole engine (face-api's bundle re-exports @tensorflow/tfjs). */
export type TF = typeof tfjs;
export type Tensor = tfjs.Tensor;
export type Tensor3D = tfjs.Tensor3D;
export type Tensor4D = tfjs.Tensor4D;
export type GraphModel = tfjs.GraphModel;

/** The parts of @vladmandic/face-api the engine uses (its own .d.ts does not type-check cleanly). */
export interface FaceApiBox { x: number; y: number; width: number; height: number }
export interface FaceApiDetection { score: number; box: FaceApiBox }
export interface FaceApiPoint { x: number; y: number }
export interface FaceApiLandmarks { positions: FaceApiPoint[] }
export interface FaceApiNet { loadFromDisk(dir: string): Promise<void>; dispose(): void; isLoaded: boolean }
export interface FaceApiDetector extends FaceApiNet { locateFaces(input: Tensor3D, options: unknown): Promise<FaceApiDetection[]> }
export interface FaceApiLandmarkNet extends FaceApiNet { detectLandmarks(input: Tensor3D[]): Promise<FaceApiLandmarks | FaceApiLandmarks[]> }
export interface FaceApiRecognitionNet extends FaceApiNet { computeFaceDescriptor(input: Tensor3D[]): Promise<Float32Array | Float32Array[]> }

export interface FaceApi {
  tf: TF;
  version: string;
  TinyFaceDetector: new () => FaceApiDetector;
  SsdMobilenetv1: new () => FaceApiDetector;
  TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => unknown;
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults: number }) => unknown;
  FaceLandmark68Net: new () => FaceApiLandmarkNet;
  FaceLandmark68TinyNet: new () => FaceApiLandmarkNet;
  FaceRecognitionNet: new () => FaceApiRecognitionNet;
}
