/** W4's data: placeholder type until the digits workload is wired (see libs/*.digits). */
export interface DigitsData {
  sizes: number[];
}
