// Shapes shared by the sample-set readers. Everything here is plain data plus one lazy image loader.

/**
 * One dropped file: from a folder drop, a multi-file drop or a zip. `path` uses '/' separators and is
 * relative to what the user dropped (e.g. `png/7/0042.png`); bytes are read only when a reader needs them.
 */
export interface SampleEntry {
  path: string;
  bytes: () => Promise<Uint8Array>;
}

/** Decoded pixels, row-major, interleaved. `channels` defaults to 4 (RGBA, what browsers decode to). */
export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
  channels?: 1 | 2 | 3 | 4;
}

/** Decodes one image file; `path` is only for error messages. The app injects a browser decoder (JPEG etc.). */
export type ImageDecoder = (bytes: Uint8Array, path: string) => Promise<DecodedImage>;

/** Where the samples came from (shown to the user, and picks the readers' wording). */
export type SampleSource = 'npy' | 'npz' | 'onnx-test-data' | 'idx' | 'csv' | 'images';

/** A string label and the class index it maps to; the UI shows and edits this list. */
export interface LabelMapping {
  name: string;
  index: number;
}

interface SampleSetBase {
  source: SampleSource;
  /** The files the set was read from (for messages: "inputs.npy + labels.npy"). */
  sourceName: string;
  count: number;
  /** Class index per sample, or null for a fidelity-only set (no labels). */
  labels: Int32Array | null;
  /** Class names by index, when the files name them (classes.txt, string labels, folder names). */
  classes: string[] | null;
  /** Things the user should know that did not stop the read (skipped files, guessed rules). */
  notes: string[];
}

/** Samples already as numbers: one Float32Array holding `count` samples of `sampleDims` each. */
export interface TensorSampleSet extends SampleSetBase {
  kind: 'tensor';
  inputs: Float32Array;
  /** Per-sample dims, without the leading sample axis. */
  sampleDims: number[];
  /** Reference outputs per sample (ONNX test data `output_0.pb`), same order as inputs. */
  referenceOutputs: { data: Float32Array; sampleDims: number[] } | null;
  /** For tabular CSV: which columns became features / label, and the string label mapping. */
  tabular: TabularInfo | null;
}

/** Images that still need preprocessing for a model (size, channels, scaling depend on the model). */
export interface ImageSampleSet extends SampleSetBase {
  kind: 'images';
  /** Path (or synthetic name for idx) per sample, same order as labels. */
  names: string[];
  /** Size of the first image, decoded during detection (others may differ: preprocessing resizes). */
  firstImage: { width: number; height: number; channels: number } | null;
  load: (index: number) => Promise<DecodedImage>;
}

export type SampleSet = TensorSampleSet | ImageSampleSet;

export interface TabularInfo {
  columns: string[];
  featureColumns: string[];
  labelColumn: string | null;
  /** Empty when the label column is already numeric class indices. */
  labelMapping: LabelMapping[];
}

/** What detection found, as a DTO the UI can show (no typed arrays, no functions). */
export interface SampleSetSummary {
  kind: SampleSet['kind'];
  source: SampleSource;
  sourceName: string;
  count: number;
  labeled: boolean;
  classes: string[] | null;
  /** Per-sample dims for tensor sets; [height, width, channels] of the first image for image sets. */
  sampleDims: number[] | null;
  description: string;
  notes: string[];
}
