import { Args, Command } from '@oclif/core';
import { FILES } from '../completion.js';

const BASH = `# ryouiki completion for bash: source <(ryouiki completion bash)
_ryouiki() {
  local cur=\${COMP_WORDS[COMP_CWORD]} IFS=$'\\n' out
  out=$(ryouiki __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  if [ "$out" = "${FILES}" ]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$out" -- "$cur"))
  fi
}
complete -o default -F _ryouiki ryouiki
`;

const ZSH = `#compdef ryouiki
# ryouiki completion for zsh: source <(ryouiki completion zsh), after compinit
_ryouiki() {
  local out
  local -a candidates
  out=$(ryouiki __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)
  if [[ $out == "${FILES}" ]]; then
    _files
    return
  fi
  candidates=("\${(@f)out}")
  compadd -- "\${candidates[@]}"
}
compdef _ryouiki ryouiki
`;

export default class Completion extends Command {
  static override summary = 'Print a completion script for bash or zsh: commands, flags, flag values, container and image names.';
  static override description =
    'Load it in the running shell with source <(ryouiki completion bash), or put it where your shell loads completions. It asks ryouiki for the candidates of each word, so container names are those of the moment.';
  static override examples = ['<%= config.bin %> completion bash > ~/.local/share/bash-completion/completions/ryouiki'];
  static override args = { shell: Args.string({ description: 'bash or zsh', options: ['bash', 'zsh'], required: true }) };

  override async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    process.stdout.write(args.shell === 'bash' ? BASH : ZSH);
  }
}
