# shellcheck shell=bash
# Bash completion for shoal(1): its commands, each command's options, and
# for the commands that take a PEER the names and ids of the running
# shoald's peers, asked with `shoal peers --plain` (which never starts
# shoald). Installed as "shoal" where bash-completion looks for it.
#
# The lists below follow `shoal --help` and `shoal COMMAND --help`:
# tests/test-completion.c fails when they differ, so a new command or option
# in src/cli/ needs its line here.

_shoal_commands='status peers send broadcast shout join leave groups monitor resolve id connect disconnect trust untrust key doctor'
_shoal_global_options='--help --system --version'

# The options of command $1.
_shoal_command_options() {
  case $1 in
    peers) echo '--help --json --plain' ;;
    monitor | id | doctor | shout) echo '--help --json' ;;
    groups) echo '--help --all --json' ;;
    send) echo '--help --wait' ;;
    *) echo '--help' ;;
  esac
}

# "ID<TAB>NAME" lines of the running shoald's peers, nothing when there is
# none. $1 is the shoal to run, then its global options (--system).
_shoal_list_peers() {
  local prog=$1
  shift
  # Where no session bus is set up, GLib would launch one through
  # dbus-launch: a Tab must not start anything.
  if [[ " $* " != *" --system "* && -z ${DBUS_SESSION_BUS_ADDRESS-} &&
        ! -S ${XDG_RUNTIME_DIR:-/nonexistent}/bus ]]; then
    return 0
  fi
  # A daemon that does not answer must not hang the shell either.
  if type -P timeout >/dev/null 2>&1; then
    timeout 3 "$prog" "$@" peers --plain 2>/dev/null
  else
    "$prog" "$@" peers --plain 2>/dev/null
  fi
  return 0
}

# Adds to COMPREPLY the ids, and the names that only one peer has (shoal
# refuses an ambiguous one), that start with $cur. A name comes from the
# network: it is quoted for the shell, and one that starts with a dash
# (which shoal would read as an option) is left to its id.
_shoal_complete_peers() {
  local prog=$1 id name quoted
  shift
  local -a ids=() names=()
  local -A count=()

  while IFS=$'\t' read -r id name; do
    [[ $id =~ ^[0-9a-f]{32}$ ]] || continue
    ids+=("$id")
    if [[ -n $name && $name != -* ]]; then
      names+=("$name")
      # The "k" keeps keys such as "@" from meaning the whole array.
      count[k$name]=$((${count[k$name]:-0} + 1))
    fi
  done < <(_shoal_list_peers "$prog" "$@")

  for id in "${ids[@]}"; do
    [[ $id == "$cur"* ]] && COMPREPLY+=("$id")
  done
  for name in "${names[@]}"; do
    [[ ${count[k$name]} == 1 ]] || continue
    printf -v quoted '%q' "$name"
    [[ $quoted == "$cur"* ]] && COMPREPLY+=("$quoted")
  done
}

_shoal() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prog=$1 word command='' i
  local -a global=()

  COMPREPLY=()
  type -P -- "$prog" >/dev/null 2>&1 || prog=shoal

  # shoal's own options come before the command.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    case $word in
      --system) global+=(--system) ;;
      -*) ;;
      *) command=$word; break ;;
    esac
  done

  if [[ -z $command ]]; then
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$_shoal_global_options" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$_shoal_commands" -- "$cur")
    fi
    return 0
  fi

  # Which argument of the command this is; options do not count, and
  # after "--" everything is an argument ("-" alone is standard input).
  local arg=0 dashdash=''
  for ((i = i + 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ -z $dashdash && $word == -- ]]; then
      dashdash=1
    elif [[ -n $dashdash || $word != -?* ]]; then
      arg=$((arg + 1))
    fi
  done

  if [[ -z $dashdash && $cur == -?* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_shoal_command_options "$command")" -- "$cur")
    return 0
  fi

  case $command:$arg in
    send:0 | resolve:0 | disconnect:0 | trust:0 | untrust:0)
      _shoal_complete_peers "$prog" "${global[@]}"
      ;;
    key:0)
      mapfile -t COMPREPLY < <(compgen -W 'generate' -- "$cur")
      ;;
  esac
  return 0
}

complete -F _shoal shoal
