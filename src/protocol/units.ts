/** Display units, shared with the engine's own reports. */
export { baseName, formatAddress, formatBytes, formatCount, formatNs, formatPercent, frameText, phantomSlotsText, samplingText, stackWordText, summaryFrame } from '../engine/util/units';
