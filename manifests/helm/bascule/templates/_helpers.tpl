{{/* Name of the chart, truncated for label values. */}}
{{- define "bascule.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Base name for the release's objects. */}}
{{- define "bascule.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "bascule.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "bascule.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "bascule.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "bascule.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: bascule
{{- end }}

{{- define "bascule.controller.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bascule.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{/* Selector labels of one dataplane group; call with (dict "root" $ "group" $group). */}}
{{- define "bascule.dataplane.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bascule.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: dataplane
bascule.dev/dataplane-group: {{ .group.name }}
{{- end }}

{{- define "bascule.controller.fullname" -}}
{{- printf "%s-controller" (include "bascule.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "bascule.dataplane.fullname" -}}
{{- printf "%s-dataplane-%s" (include "bascule.fullname" .root) .group.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "bascule.controller.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}{{ include "bascule.controller.fullname" . }}{{ else }}default{{ end }}
{{- end }}

{{- define "bascule.dataplane.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}{{ printf "%s-dataplane" (include "bascule.fullname" .) }}{{ else }}default{{ end }}
{{- end }}

{{/*
The generated channel token: the existing Secret's (kept across upgrades), else a new random one.
Computed once per render and shared by the Secret and the pods' checksum annotations, so an
upgrade that changes nothing else restarts nothing (with `helm template`, which cannot look the
Secret up, every render makes a new token, and the pods restart to pick it up).
*/}}
{{- define "bascule.channelToken" -}}
{{- if not (hasKey .Values.channel "generatedToken") }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "bascule.tokenSecretName" .) }}
{{- if and $existing $existing.data (index $existing.data "token") }}
{{- $_ := set .Values.channel "generatedToken" (index $existing.data "token" | b64dec) }}
{{- else }}
{{- $_ := set .Values.channel "generatedToken" (randAlphaNum 48) }}
{{- end }}
{{- end }}
{{- .Values.channel.generatedToken }}
{{- end }}

{{- define "bascule.tokenSecretName" -}}
{{- default (printf "%s-token" (include "bascule.fullname" .)) .Values.channel.existingSecret }}
{{- end }}

{{/* registry/repository:tag; with an empty registry, repository is used as is (skaffold sets it). */}}
{{- define "bascule.image" -}}
{{- $img := index .root.Values.image .component -}}
{{- $repo := ternary (printf "%s/%s" .root.Values.image.registry $img.repository) $img.repository (ne .root.Values.image.registry "") -}}
{{- printf "%s:%s" $repo (default .root.Chart.AppVersion $img.tag) }}
{{- end }}

{{/* The dataplanes' channel URL: the controller Service, which spreads connections over the ready replicas. */}}
{{- define "bascule.channelUrl" -}}
{{- printf "%s://%s.%s.svc:%d" (ternary "wss" "ws" .Values.channel.tls.enabled) (include "bascule.controller.fullname" .) .Release.Namespace (int .Values.channel.port) }}
{{- end }}

{{- define "bascule.validate" -}}
{{- if and (gt (int .Values.controller.replicas) 1) (not .Values.controller.leaderElection.enabled) }}
{{- fail "controller.replicas > 1 needs controller.leaderElection.enabled=true (only the leader may write status)" }}
{{- end }}
{{- if ge (int .Values.dataplane.shutdownDelaySeconds) (int .Values.dataplane.terminationGracePeriodSeconds) }}
{{- fail "dataplane.shutdownDelaySeconds must be shorter than dataplane.terminationGracePeriodSeconds (the delay is part of the grace period)" }}
{{- end }}
{{- if and .Values.channel.tls.enabled (not .Values.channel.tls.secretName) }}
{{- fail "channel.tls.enabled needs channel.tls.secretName" }}
{{- end }}
{{- $names := dict }}
{{- range .Values.dataplane.groups }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" .name) }}
{{- fail (printf "dataplane group name %q must be a DNS label" .name) }}
{{- end }}
{{- if hasKey $names .name }}{{ fail (printf "dataplane group %q is listed twice" .name) }}{{ end }}
{{- $_ := set $names .name true }}
{{- end }}
{{- end }}

{{/*
Dataplane worker count: dataplane.workers, else the container CPU limit rounded up ("1500m" → 2,
"2" → 2), else empty (the dataplane then counts the CPUs it may use).
*/}}
{{- define "bascule.dataplaneWorkers" -}}
{{- $explicit := .Values.dataplane.workers -}}
{{- $cpu := "" -}}
{{- with .Values.dataplane.resources }}{{ with .limits }}{{ with .cpu }}{{ $cpu = toString . }}{{ end }}{{ end }}{{ end -}}
{{- if $explicit -}}
{{- $explicit -}}
{{- else if hasSuffix "m" $cpu -}}
{{- max 1 (div (add (atoi (trimSuffix "m" $cpu)) 999) 1000) -}}
{{- else if $cpu -}}
{{- max 1 (int (ceil (float64 $cpu))) -}}
{{- end -}}
{{- end -}}
