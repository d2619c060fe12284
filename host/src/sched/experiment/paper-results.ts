// The DeepTrust^RT acceptance ratios (% schedulable), AlexNet-squeezed, read from the authors' plots
// (as transcribed in docs/BACKGROUND.md §1). "…" entries there mean 0 from that point on.
export interface PaperRow {
  tasks: number;
  utilisation: number[];
  lw: number[];
  fusion: number[];
  noTee: number[];
}

const repeat = (value: number, times: number) => Array.from({ length: times }, () => value);

export const paperAcceptance: PaperRow[] = [
  {
    tasks: 15,
    utilisation: [0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.58, 0.6, 0.7, 0.8, 0.85, 0.9],
    lw: [100, 100, 100, 100, 99, 42, 14, 4, 0, 0, 0, 0],
    fusion: [100, 100, 100, 100, 100, 51, 26, 17, 7, 3, 2, 1],
    noTee: [...repeat(100, 8), 96, 94, 92, 90],
  },
  {
    tasks: 10,
    utilisation: [0.1, 0.3, 0.4, 0.5, 0.55, 0.58, 0.6, 0.62, 0.65, 0.7, 0.8, 0.85, 0.9],
    lw: [...repeat(100, 5), 90, 20, 2, 0, 0, 0, 0, 0],
    fusion: [...repeat(100, 6), 99, 97, 14, 11, 4, 3, 2],
    noTee: [...repeat(100, 7), 98, 89, 58, 19, 12, 9],
  },
  {
    tasks: 5,
    utilisation: [0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.75, 0.8, 0.9],
    lw: [...repeat(100, 4), 67, 4, 1, 0, 0, 0, 0, 0],
    fusion: [...repeat(100, 5), 58, 14, 9, 4, 2, 1, 0],
    noTee: [...repeat(100, 8), 58, 33, 24, 17],
  },
];
