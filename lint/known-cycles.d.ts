export const KNOWN_FOLDER_CYCLES: string[];
