{{/* Names, labels and the rendered monitor config, shared by every template. */}}

{{- define "contract-monitor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "contract-monitor.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "contract-monitor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "contract-monitor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "contract-monitor.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "contract-monitor.labels" -}}
helm.sh/chart: {{ include "contract-monitor.chart" . }}
{{ include "contract-monitor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: contract-monitor
{{- end }}

{{- define "contract-monitor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "contract-monitor.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "contract-monitor.secretName" -}}
{{- default (include "contract-monitor.fullname" .) .Values.secrets.name }}
{{- end }}

{{- define "contract-monitor.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The monitor's config.yaml: .Values.config with the API listening on all interfaces of the pod
(a non-loopback listen needs a token: api.token_env names the API token's variable).
*/}}
{{- define "contract-monitor.config" -}}
{{- $config := fromYaml .Values.config }}
{{- if hasKey $config "Error" }}
{{- fail (printf "config: not a YAML mapping: %s" (get $config "Error")) }}
{{- end }}
{{- if not $config.probes }}
{{- fail "config: no probes: the monitor needs at least one entry under probes" }}
{{- end }}
{{- $api := dict "listen" (printf "0.0.0.0:%d" (int .Values.service.port)) "token_env" .Values.secrets.apiToken.env }}
{{- if .Values.ingress.enabled }}
{{- $_ := set $api "behind_tls_proxy" true }}
{{- end }}
{{- $_ := set $config "api" (merge $api (default (dict) $config.api)) }}
{{- if .Values.ingress.enabled }}
{{- /* alerts link to the web pages where people reach them; a ui.base_url in the config wins */}}
{{- $ui := dict "base_url" (printf "https://%s" .Values.ingress.host) }}
{{- $_ := set $config "ui" (merge (default (dict) $config.ui) $ui) }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/* Environment variables from the Secret: provider key, Slack, PagerDuty, API token, DB URL,
dead man's switch URL. */}}
{{- define "contract-monitor.secretEnv" -}}
{{- $secret := include "contract-monitor.secretName" . }}
{{- range $name := list "databaseUrl" "providerKey" "slackToken" "pagerdutyKey" "apiToken" "deadmanUrl" }}
{{- $ref := get $.Values.secrets $name }}
- name: {{ $ref.env }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $ref.key }}
      optional: {{ $ref.optional }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}
