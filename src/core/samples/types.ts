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
export type SampleSource = 'npy' | 'npz' | 'onnx-test-data' | 'idx' | 'csv' | 'images' | 'synthetic';

/**
 * One model input's values for every sample: `values` holds `count` samples of `sampleDims` each, float32 for float
 * sources and exact float64 for integer/bool sources (token ids, masks). `name` is the array's or tensor's name
 * (matched to the model's input names), null when the file gives none.
 */
export interface SampleArray {
  name: string | null;
  /** What the file holds: float32, int64, bool, ... (the model input's dtype decides what is fed). */
  dtype: string;
  sampleDims: number[];
  values: Float32Array | Float64Array;
  /** The file (or archive entry) it came from, for messages. */
  source: string;
}

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
  /**
   * Every input array, when the files hold several (input_ids + attention_mask) or integer values; `inputs` /
   * `sampleDims` then describe the first as float32 (previews). Absent: `inputs` is the only input.
   */
  arrays?: SampleArray[];
  /** Loose .npy files only: every dropped file and its role. */
  npyFiles?: NpyFileInfo[];
}

/** What a dropped .npy file is used as. */
export type ArrayRole = 'input' | 'labels' | 'ignored';

/** The user's choice of which dropped .npy files (by path) are inputs and which holds the labels; others are ignored. */
export interface ArrayRoles {
  inputs: string[];
  labels: string | null;
}

/** One dropped .npy file, what it holds and what it was used as (the UI lets the user reassign it). */
export interface NpyFileInfo {
  path: string;
  dtype: string;
  shape: number[];
  role: ArrayRole;
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
  /** Input arrays of tensor sets that name them or hold integers (input_ids int64 [16], ...); else null. */
  arrays?: { name: string | null; dtype: string; sampleDims: number[] }[] | null;
  /** Loose .npy sets: every dropped .npy file and its role (inputs, labels, ignored); else null. */
  npyFiles?: NpyFileInfo[] | null;
  description: string;
  notes: string[];
}
