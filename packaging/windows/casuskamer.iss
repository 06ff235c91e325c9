; Inno Setup script for Casuskamer: a per-machine installer around the one-folder build.
;
;   1. build on Windows:   pyinstaller --noconfirm packaging\casuskamer.spec
;   2. sign dist\casuskamer\*.exe, *.dll, *.pyd (signtool; see packaging\README.md)
;   3. compile:            "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\casuskamer.iss
;      result:             dist\installer\CasuskamerSetup-0.1.0.exe
;
; Silent roll-out (Intune, ConfigMgr, a GPO start-up script):
;   CasuskamerSetup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /LOG="C:\Windows\Temp\casuskamer-install.log"
; with the workstation's settings file (vault folder, idle time, language; see README.md):
;   CasuskamerSetup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /SETTINGS="\\server\deploy\casuskamer\settings.ini"
; Silent removal:
;   "C:\Program Files\Casuskamer\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
;
; The installer writes nothing into a user's profile and never touches a vault: each user's
; vault stays where it is on removal.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define Root "..\.."

[Setup]
AppId={{6B7C1F2E-4F0A-4C51-9D3B-5A1E0C2B7D40}
AppName=Casuskamer
AppVersion={#AppVersion}
AppPublisher=Zorg- en Veiligheidshuis
AppComments=Casusregie voor het Zorg- en Veiligheidshuis
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\Casuskamer
DefaultGroupName=Casuskamer
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#Root}\dist\installer
OutputBaseFilename=CasuskamerSetup-{#AppVersion}
SetupIconFile={#Root}\packaging\casuskamer.ico
UninstallDisplayIcon={app}\casuskamerw.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "nl"; MessagesFile: "compiler:Languages\Dutch.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[Files]
Source: "{#Root}\dist\casuskamer\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion
; the machine-wide settings, when IT passes /SETTINGS=path (kept on upgrade and removal)
Source: "{param:SETTINGS}"; DestDir: "{commonappdata}\Casuskamer"; DestName: "settings.ini"; Flags: external skipifsourcedoesntexist onlyifdoesntexist uninsneveruninstall; Check: HasSettings

[Icons]
; the desktop program is the windowed casuskamerw.exe: no console window behind it
Name: "{autoprograms}\Casuskamer"; Filename: "{app}\casuskamerw.exe"; WorkingDir: "{app}"
Name: "{autodesktop}\Casuskamer"; Filename: "{app}\casuskamerw.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; Flags: unchecked

[Code]
function HasSettings(): Boolean;
begin
  Result := ExpandConstant('{param:SETTINGS}') <> '';
end;
