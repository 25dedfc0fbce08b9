# Sourced by the npm scripts' shell entry points: installs the npm packages when
# node_modules is missing or older than the lock file.
# `npm install`, not `npm ci`: chdb lists platform packages that the registry does not serve (darwin),
# which `npm ci` reports as missing from the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund || exit 1
fi
