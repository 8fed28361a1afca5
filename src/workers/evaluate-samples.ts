// The evaluate worker's sample set: read from dropped files (whole or staged in slices), re-read with other table
// options, previewed against a model input, drawn as gallery thumbnails. Runs read it through `mustGetSet`.
import { transfer } from 'comlink';
import { StudioError } from '../core/errors';
import {
  DEFAULT_THUMBNAIL_SIZE,
  checkPreviewFit,
  decodedToRgba,
  fitRgba,
  preprocessedToRgba,
  sampleName,
  tensorToRgba,
} from '../core/eval';
import {
  describeSampleSet,
  detectSampleSet,
  inferPreprocessOptions,
  loadSample,
  previewStats,
  sampleDimsOf,
  sliceSampleSet,
  validatePreprocessOptions,
  type ImageDecoder,
  type ModelInputSpec,
  type PreprocessOptions,
  type SampleEntry,
  type SampleRange,
  type SampleSet,
  type TabularOptions,
} from '../core/samples';
import type {
  FitCheck,
  LoadSamplesOptions,
  PreviewResult,
  RgbaImage,
  SampleFile,
  SamplePreview,
  SampleSetInfo,
} from '../protocol/eval-dto';
import { readBytes } from './ort-backend';

const toErrorDto = (e: unknown) =>
  e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
const cleanPath = (p: string) => p.replace(/\\/g, '/').replace(/^\/+/, '');

/** The loaded set, or the part of it a request names (calibration or evaluation part of the split). */
export const partOf = (set: SampleSet, range: SampleRange | undefined): SampleSet =>
  range ? sliceSampleSet(set, range) : set;

const resolvePreprocess = (set: SampleSet, input: ModelInputSpec, preprocess: PreprocessOptions | null) => {
  if (set.kind !== 'images') return { used: null, inferred: false };
  const used = preprocess ?? inferPreprocessOptions(input.shape);
  validatePreprocessOptions(used);
  return { used, inferred: preprocess === null };
};

/**
 * The sample set one evaluate worker holds. `onReplaced` runs whenever the set is dropped or replaced (results
 * computed on the previous set must go with it).
 */
export function createSampleStore(decodeImage: ImageDecoder | undefined, onReplaced: () => void) {
  let loaded: { entries: SampleEntry[]; options: LoadSamplesOptions; set: SampleSet } | null = null;
  /** Files received by stageSampleFiles, read by loadStagedSamples. */
  let staged: SampleFile[] = [];

  const mustGetLoaded = () => {
    if (!loaded) {
      throw new StudioError(
        'ModelNotLoadedError',
        'no sample set in this evaluate worker (was it restarted?): load the samples again',
      );
    }
    return loaded;
  };
  const mustGetSet = (): SampleSet => mustGetLoaded().set;

  const read = async (entries: SampleEntry[], options: LoadSamplesOptions): Promise<SampleSetInfo> => {
    const set = await detectSampleSet(entries, {
      tabular: options.tabular,
      arrays: options.arrays,
      decodeImage,
    });
    loaded = { entries, options, set };
    onReplaced();
    return {
      ...describeSampleSet(set),
      tabular: set.kind === 'tensor' ? set.tabular : null,
      referenceOutputDims:
        set.kind === 'tensor' && set.referenceOutputs ? [...set.referenceOutputs.sampleDims] : null,
    };
  };

  const loadSamples = (files: SampleFile[], options: LoadSamplesOptions = {}): Promise<SampleSetInfo> => {
    loaded = null; // a failed read must not leave the previous set to be evaluated
    onReplaced();
    const entries = files.map((f) => ({ path: cleanPath(f.path), bytes: () => readBytes(f.blob) }));
    return read(entries, options);
  };

  const api = {
    /** Read a dropped folder / files / zip. Keeps the set in the worker; returns what was found. */
    loadSamples,

    /**
     * Receive a slice of a set's files (`first` starts a new set); returns how many are staged. The page sends a
     * large set in slices: the first post of a picked File costs the page a synchronous file stat.
     */
    stageSampleFiles(slice: SampleFile[], first: boolean): number {
      if (first) staged = [];
      for (const f of slice) staged.push(f);
      return staged.length;
    },

    /** loadSamples on the staged files. */
    loadStagedSamples(options: LoadSamplesOptions = {}): Promise<SampleSetInfo> {
      const files = staged;
      staged = [];
      return loadSamples(files, options);
    },

    /** CSV tables: re-read with another label column, excluded columns or an edited label mapping. */
    async setTabularOptions(tabular: TabularOptions): Promise<SampleSetInfo> {
      const { set, entries, options } = mustGetLoaded();
      if (set.source !== 'csv') {
        throw new StudioError(
          'SampleSetError',
          `${set.sourceName}: table options apply to a CSV table, this set was read from ${set.source} files`,
        );
      }
      return read(entries, { ...options, tabular }); // on failure the previous table stays loaded
    },

    /** The first `n` samples as the model will see them, and whether they fit `modelInput` (from ModelSummary.inputs[0]). */
    async preview(
      modelInput: ModelInputSpec,
      preprocess: PreprocessOptions | null,
      n = 8,
      thumbnailSize = 64,
      /** All the model's inputs (ModelSummary.inputs): multi-input sets are matched to them by name. */
      allInputs?: ModelInputSpec[],
    ): Promise<PreviewResult> {
      const set = mustGetSet();
      const { used, inferred } = resolvePreprocess(set, modelInput, preprocess);
      const sampleDims = sampleDimsOf(set, used);
      let fit: FitCheck;
      try {
        fit = { ok: true, ...checkPreviewFit(set, sampleDims, modelInput, allInputs) };
      } catch (e) {
        fit = { ok: false, error: toErrorDto(e) };
      }
      const samples: SamplePreview[] = [];
      for (let i = 0; i < Math.min(Math.max(0, n), set.count); i++) {
        const x = await loadSample(set, i, used);
        const label = set.labels ? set.labels[i] : null;
        samples.push({
          index: i,
          name: sampleName(set, i),
          label,
          labelName: label !== null ? (set.classes?.[label] ?? null) : null,
          dims: sampleDims,
          ...previewStats(x),
          thumbnail: used
            ? preprocessedToRgba(x, used, thumbnailSize)
            : tensorToRgba(x, sampleDims, thumbnailSize),
        });
      }
      const result: PreviewResult = {
        preprocess: used,
        preprocessInferred: inferred,
        sampleDims,
        fit,
        samples,
      };
      return transfer(
        result,
        samples.flatMap((s) => (s.thumbnail ? [s.thumbnail.data.buffer as ArrayBuffer] : [])),
      );
    },

    /** Gallery image: the decoded image (image sets) or an image-shaped tensor in gray/RGB; null when not image-like. */
    async sampleThumbnail(index: number, size = DEFAULT_THUMBNAIL_SIZE): Promise<RgbaImage | null> {
      const set = mustGetSet();
      let img: RgbaImage | null;
      if (set.kind === 'images') {
        if (!(Number.isInteger(index) && index >= 0 && index < set.count)) {
          throw new StudioError(
            'SampleSetError',
            `${set.sourceName}: sample ${index} out of range 0..${set.count - 1}`,
          );
        }
        img = fitRgba(decodedToRgba(await set.load(index)), size);
      } else {
        img = tensorToRgba(await loadSample(set, index, null), set.sampleDims, size);
      }
      return img ? transfer(img, [img.data.buffer as ArrayBuffer]) : null;
    },
  };

  return {
    api,
    mustGetSet,
    /** The loaded set, or null (no error): whether results still belong to it. */
    current: (): SampleSet | null => loaded?.set ?? null,
    /** Forget the set (the caller forgets the results). */
    clear: () => {
      loaded = null;
    },
  };
}

export type SampleStore = ReturnType<typeof createSampleStore>;
