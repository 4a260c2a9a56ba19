; Inno Setup script for XA Desk on Windows 10/11 x64 (Inno Setup 6.3 or later).
; Built by installer\build-windows.ps1, which passes /DAppVersion=… and /DChineseIsl=… :
;   iscc /DAppVersion=0.3.0 /DChineseIsl="C:\…\ChineseSimplified.isl" installer\xadesk.iss
; Input: build\dist\xadesk\ (installer\xadesk.spec). Output: build\xadesk-<version>-setup.exe.
;
; Per-user install without administrator rights, into %LOCALAPPDATA%\Programs\XA Desk. The school's
; data lives elsewhere (%LOCALAPPDATA%\XADesk) and is never touched: the uninstaller removes only
; what this installer put in {app}.

#ifndef AppVersion
  #error Pass /DAppVersion=<version> (build-windows.ps1 does)
#endif
#ifndef ChineseIsl
  #define ChineseIsl "compiler:Languages\ChineseSimplified.isl"
#endif

[Setup]
; Fixed forever: upgrades and the uninstaller find the installed copy by it.
AppId={{6D1C4E2A-8B3F-4F7A-9C55-2E9A0B7D41F3}
AppName=学生心理健康工作台
AppVersion={#AppVersion}
AppVerName=XA Desk 学生心理健康工作台 {#AppVersion}
AppPublisher=XA Desk
DefaultDirName={autopf}\XA Desk
DefaultGroupName=学生心理健康工作台
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\build
OutputBaseFilename=xadesk-{#AppVersion}-setup
SetupIconFile=..\build\icons\xadesk.ico
UninstallDisplayIcon={app}\xadesk-gui.exe
UninstallDisplayName=学生心理健康工作台 (XA Desk)
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ShowLanguageDialog=no
CloseApplications=yes

[Languages]
Name: "zh"; MessagesFile: "{#ChineseIsl}"

[Tasks]
Name: "desktopicon"; Description: "在桌面创建快捷方式"; GroupDescription: "快捷方式："

[InstallDelete]
; An upgrade replaces the whole bundle: files a newer release no longer ships must not linger.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\build\dist\xadesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\学生心理健康工作台"; Filename: "{app}\xadesk-gui.exe"; WorkingDir: "{app}"
Name: "{autoprograms}\学生心理健康工作台 自检"; Filename: "{cmd}"; Parameters: "/k ""{app}\xadesk.exe"" selftest"; WorkingDir: "{app}"; IconFilename: "{app}\xadesk-gui.exe"
Name: "{autodesktop}\学生心理健康工作台"; Filename: "{app}\xadesk-gui.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\xadesk-gui.exe"; Description: "启动学生心理健康工作台"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder's own leftovers (e.g. __pycache__); never the data folder.
Type: filesandordirs; Name: "{app}\_internal"

[Code]
function DataFolder(): String;
begin
  Result := AddBackslash(ExpandConstant('{localappdata}\XADesk'));
end;

{ The program folder must not be, or sit inside, the school's data folder: uninstalling would then
  remove files beside the database. }
function NextButtonClick(CurPageID: Integer): Boolean;
begin
  Result := True;
  if (CurPageID = wpSelectDir) and
     (Pos(Uppercase(DataFolder()), Uppercase(AddBackslash(WizardDirValue()))) = 1) then
  begin
    MsgBox('不能安装到数据文件夹 ' + DataFolder() + ' 里。请换一个文件夹。', mbError, MB_OK);
    Result := False;
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and DirExists(DataFolder()) then
    MsgBox('程序已卸载。学校的数据仍保留在 ' + DataFolder() + '（数据库、钥匙文件和备份），' +
           '重新安装后即可继续使用。如确需删除，请先备份，再手动删除该文件夹。', mbInformation, MB_OK);
end;
