/** `signalbox completion bash|zsh`: prints a shell completion script for the commands and their options. */
import { CLIENT_COMMANDS } from './client/index.js';
import type { CliIo } from './io.js';

export const COMPLETION_USAGE = `Usage: signalbox completion bash|zsh

Prints a completion script for the shell. Load it for this shell, or for every new one:

  source <(signalbox completion bash)                      # bash, now
  signalbox completion bash > /etc/bash_completion.d/signalbox
  signalbox completion zsh > "\${fpath[1]}/_signalbox"        # zsh (then: compinit)
`;

const CLIENT_COMMON = ['--url', '--token', '--json', '--help'];

/** Each command's options, and its sub-words where it has them (flow add|del, app enable|disable). */
export const COMPLETIONS: Readonly<Record<string, { readonly options: readonly string[]; readonly words?: readonly string[] }>> = {
  start: { options: ['--listen', '--api', '--data', '--apps', '--config', '--log-level', '--log-format', '--set', '--help'] },
  decode: { options: ['--hex', '--help'] },
  encode: { options: ['--hex', '--help'] },
  bench: { options: ['--controller', '--self', '--apps', '--switches', '--macs', '--loops', '--ms', '--warmup', '--mode', '--window', '--of10', '--version', '--delay', '--buffer', '--timeout', '--dpid-base', '--cpu-of', '--no-worker', '--json', '--help'] },
  lab: { options: ['--scenario', '--controller', '--api', '--apps', '--of10', '--settle', '--runs', '--connect-timeout', '--log-level', '--verbose', '--stop-ovs', '--json', '--help'] },
  completion: { options: ['--help'], words: ['bash', 'zsh'] },
  config: { options: CLIENT_COMMON, words: ['check', 'diff', 'apply'] },
  version: { options: [] },
  help: { options: [] },
  ...Object.fromEntries(
    CLIENT_COMMANDS.map((c) => {
      const extra: Record<string, readonly string[]> = {
        flows: ['--table', '--owner', '--cookie'],
        flow: ['--match', '--actions', '--priority', '--table', '--cookie', '--idle', '--hard', '--strict', '--all'],
        path: ['--k'],
        trace: ['--from', '--to', '--source'],
        events: ['--types', '--dpid', '--heartbeats'],
      };
      const words: Record<string, readonly string[]> = { flow: ['add', 'del'], app: ['enable', 'disable'] };
      return [c, { options: [...(extra[c] ?? []), ...CLIENT_COMMON], ...(words[c] ? { words: words[c] } : {}) }];
    }),
  ),
};

/** The bash completion script: commands at the first word, then the command's sub-words and options. */
export function bashCompletion(): string {
  const cases = Object.entries(COMPLETIONS)
    .map(([cmd, c]) => `    ${cmd}) opts=${JSON.stringify([...(c.words ?? []), ...c.options].join(' '))} ;;`)
    .join('\n');
  return `# bash completion for signalbox (signalbox completion bash)
_signalbox() {
  local cur cmd opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${JSON.stringify(Object.keys(COMPLETIONS).join(' ') + ' --help --version')} -- "$cur") )
    return 0
  fi
  cmd="\${COMP_WORDS[1]}"
  case "$cmd" in
${cases}
    *) opts="" ;;
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  # A file name where the word is not an option (config files, capture files).
  if [ \${#COMPREPLY[@]} -eq 0 ] && [[ "$cur" != -* ]]; then COMPREPLY=( $(compgen -f -- "$cur") ); fi
  return 0
}
complete -F _signalbox signalbox
`;
}

/** The zsh completion script (a #compdef function; also works when sourced after compinit). */
export function zshCompletion(): string {
  const cases = Object.entries(COMPLETIONS)
    .map(([cmd, c]) => `    ${cmd}) opts=(${[...(c.words ?? []), ...c.options].join(' ')}) ;;`)
    .join('\n');
  return `#compdef signalbox
# zsh completion for signalbox (signalbox completion zsh)
_signalbox() {
  local -a cmds opts
  cmds=(${Object.keys(COMPLETIONS).join(' ')} --help --version)
  if (( CURRENT == 2 )); then
    compadd -a cmds
    return
  fi
  case "\${words[2]}" in
${cases}
    *) opts=() ;;
  esac
  if [[ "\${words[CURRENT]}" == -* || \${#opts} -gt 0 && "\${words[CURRENT]}" != */* ]]; then
    compadd -a opts
  fi
  _files
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _signalbox "$@"
else
  compdef _signalbox signalbox
fi
`;
}

/** Runs `signalbox completion SHELL`; returns the exit code. */
export function completionCommand(args: readonly string[], io: CliIo): number {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(COMPLETION_USAGE);
    return 0;
  }
  const bad = args.find((a) => a.startsWith('-'));
  if (bad !== undefined) {
    io.stderr.write(`signalbox completion: unknown option '${bad}'\n\n${COMPLETION_USAGE}`);
    return 2;
  }
  const [shell, ...rest] = args;
  if (rest.length > 0 || (shell !== 'bash' && shell !== 'zsh')) {
    io.stderr.write(`signalbox completion: expected bash or zsh${shell === undefined ? '' : `, got ${JSON.stringify(args.join(' '))}`}\n\n${COMPLETION_USAGE}`);
    return 2;
  }
  io.stdout.write(shell === 'bash' ? bashCompletion() : zshCompletion());
  return 0;
}
