# Build XA Desk for Windows 10/11 x64: the one-folder app (PyInstaller, installer\xadesk.spec, the
# same spec as Linux) and the Chinese per-user setup (Inno Setup, installer\xadesk.iss).
#
#   powershell -ExecutionPolicy Bypass -File installer\build-windows.ps1 [-KeepVenv] [-SkipSetup]
#
# Needs: Python 3.11 x64 (the "py" launcher), Inno Setup 6.3+ (iscc.exe) with ChineseSimplified.isl.
# Output: build\dist\xadesk\ (xadesk.exe, xadesk-gui.exe, _internal\) and build\xadesk-<version>-setup.exe.
param([switch]$KeepVenv, [switch]$SkipSetup)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")

function Invoke-Checked([string]$What, [scriptblock]$Block) {
    Write-Host "== $What"
    & $Block
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE)" }
}

$version = (Select-String -Path xadesk\__init__.py -Pattern '^__version__ = "(.*)"$').Matches[0].Groups[1].Value
$venv = "build\venv-pyi"

# A clean venv holding only the app and PyInstaller: PyInstaller aborts if two Qt bindings are importable.
if (-not $KeepVenv -and (Test-Path $venv)) { Remove-Item -Recurse -Force $venv }
if (-not (Test-Path "$venv\Scripts\python.exe")) { Invoke-Checked "venv" { py -3.11 -m venv $venv } }
Invoke-Checked "pip" { & "$venv\Scripts\python.exe" -m pip install -q --upgrade pip }
Invoke-Checked "install .[build]" { & "$venv\Scripts\python.exe" -m pip install -q ".[build]" }

Invoke-Checked "pyinstaller" {
    & "$venv\Scripts\pyinstaller.exe" --noconfirm --clean --log-level WARN `
        --distpath build\dist --workpath build\pyinstaller installer\xadesk.spec
}

# The frozen app checks itself before anyone packs it.
Invoke-Checked "xadesk --version" { & build\dist\xadesk\xadesk.exe --version }
Invoke-Checked "xadesk selftest" { & build\dist\xadesk\xadesk.exe selftest }

if ($SkipSetup) { exit 0 }

$iscc = Get-Command iscc.exe -ErrorAction SilentlyContinue
$isccPath = if ($iscc) { $iscc.Source } else { "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $isccPath)) { throw "Inno Setup 6 (ISCC.exe) not found: install it or put it on PATH" }
$innoDir = Split-Path $isccPath
$isl = @("$innoDir\Languages\ChineseSimplified.isl", "$innoDir\Languages\Unofficial\ChineseSimplified.isl") |
    Where-Object { Test-Path $_ } | Select-Object -First 1
if (-not $isl) { throw "ChineseSimplified.isl not found under $innoDir\Languages (see installer\README.md)" }

Invoke-Checked "iscc" { & $isccPath "/DAppVersion=$version" "/DChineseIsl=$isl" installer\xadesk.iss }
Get-Item "build\xadesk-$version-setup.exe" | Format-Table Name, Length
