// Darknet .cfg text: sections of key=value options, in order, as darknet's parser reads them.

export interface CfgSection {
  type: string;
  options: Map<string, string>;
  /** 1-based line of the section header, for error messages. */
  line: number;
}

export function parseCfg(text: string): CfgSection[] {
  const sections: CfgSection[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) return;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) sections.push({ type: header[1]!.trim(), options: new Map(), line: index + 1 });
    else {
      const equals = line.indexOf('=');
      if (equals > 0 && sections.length) sections.at(-1)!.options.set(line.slice(0, equals).trim(), line.slice(equals + 1).trim());
    }
  });
  return sections;
}

export function formatCfg(sections: Array<{ type: string; options: Array<[string, string | number]> }>): string {
  return sections.map((section) => [`[${section.type}]`, ...section.options.map(([key, value]) => `${key}=${value}`)].join('\n')).join('\n\n') + '\n';
}
