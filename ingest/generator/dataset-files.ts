/** File names of a data set directory, as in the real YOOCHOOSE download. */
export const DATASET_FILES = {
  clicks: 'yoochoose-clicks.dat',
  buys: 'yoochoose-buys.dat',
} as const;
