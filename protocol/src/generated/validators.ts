// @ts-nocheck -- ajv's untyped JavaScript; only the exports are typed.
// GENERATED FILE, do not edit: `npm run gen:validators` (protocol/src/gen-validators.ts) writes it
// from the TypeBox schemas in messages.ts and snapshot.ts with ajv's standalone code generation.
// test/unit/protocol/generated-validators.test.ts fails when it differs from what they generate.
// Each export is what ajv.compile returns (errors of the last call on `errors`) without its
// `schema`, `schemaEnv` and `source` properties.
import type { ValidateFunction } from "ajv";
"use strict";
export const SnapshotBody: ValidateFunction = validate21;
const schema6 = {"additionalProperties":false,"type":"object","required":["group","frontends","backends"],"properties":{"group":{"type":"string"},"frontends":{"type":"array","items":{"$ref":"FrontendSnap"}},"backends":{"type":"array","items":{"$ref":"BackendSnap"}}}};
const schema7 = {"additionalProperties":false,"type":"object","required":["id","namespace","name","mode","bind","forwardFor","via","timeouts","rules","requestHeaders","responseHeaders"],"properties":{"id":{"type":"string"},"namespace":{"type":"string"},"name":{"type":"string"},"mode":{"anyOf":[{"const":"http","type":"string"},{"const":"tcp","type":"string"}]},"bind":{"additionalProperties":false,"type":"object","required":["address","port"],"properties":{"address":{"type":"string"},"port":{"type":"integer"}}},"maxConnections":{"type":"integer"},"forwardFor":{"type":"boolean"},"via":{"type":"boolean"},"timeouts":{"additionalProperties":false,"type":"object","required":["client","httpRequest","keepAlive"],"properties":{"client":{"minimum":0,"type":"integer"},"httpRequest":{"minimum":0,"type":"integer"},"keepAlive":{"minimum":0,"type":"integer"}}},"tls":{"additionalProperties":false,"type":"object","required":["certificates","alpn","strictSNI","clientAuth"],"properties":{"certificates":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name","certPem","keyPem","serverNames"],"properties":{"name":{"type":"string"},"certPem":{"type":"string"},"keyPem":{"type":"string"},"serverNames":{"type":"array","items":{"type":"string"}}}}},"minVersion":{"type":"string"},"maxVersion":{"type":"string"},"ciphers":{"type":"string"},"alpn":{"type":"array","items":{"type":"string"}},"strictSNI":{"type":"boolean"},"clientAuth":{"additionalProperties":false,"type":"object","required":["mode"],"properties":{"mode":{"anyOf":[{"const":"none","type":"string"},{"const":"optional","type":"string"},{"const":"required","type":"string"}]},"caPem":{"type":"string"}}}}},"rules":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name","match","action"],"properties":{"name":{"type":"string"},"match":{"additionalProperties":false,"type":"object","properties":{"host":{"type":"string"},"path":{"additionalProperties":false,"type":"object","properties":{"prefix":{"type":"string"},"exact":{"type":"string"},"regex":{"type":"string"}}},"methods":{"type":"array","items":{"type":"string"}},"headers":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name"],"properties":{"name":{"type":"string"},"exact":{"type":"string"},"regex":{"type":"string"},"present":{"type":"boolean"}}}},"queryParams":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name"],"properties":{"name":{"type":"string"},"exact":{"type":"string"},"regex":{"type":"string"},"present":{"type":"boolean"}}}},"sourceCIDRs":{"type":"array","items":{"type":"string"}},"sni":{"type":"array","items":{"type":"string"}}}},"action":{"anyOf":[{"additionalProperties":false,"type":"object","required":["type","backend"],"properties":{"type":{"const":"backend","type":"string"},"backend":{"type":"string"}}},{"additionalProperties":false,"type":"object","required":["type","code","stripQuery"],"properties":{"type":{"const":"redirect","type":"string"},"scheme":{"anyOf":[{"const":"http","type":"string"},{"const":"https","type":"string"}]},"host":{"type":"string"},"port":{"type":"integer"},"path":{"type":"string"},"prefix":{"type":"string"},"code":{"type":"integer"},"stripQuery":{"type":"boolean"}}},{"additionalProperties":false,"type":"object","required":["type","status"],"properties":{"type":{"const":"deny","type":"string"},"status":{"type":"integer"},"body":{"type":"string"}}}]},"requestHeaders":{"additionalProperties":false,"type":"object","required":["add","set","remove"],"properties":{"add":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name","value"],"properties":{"name":{"type":"string"},"value":{"type":"string"}}}},"set":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name","value"],"properties":{"name":{"type":"string"},"value":{"type":"string"}}}},"remove":{"type":"array","items":{"type":"string"}}}},"responseHeaders":{"additionalProperties":false,"type":"object","required":["add","set","remove"],"properties":{"add":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name","value"],"properties":{"name":{"type":"string"},"value":{"type":"string"}}}},"set":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name","value"],"properties":{"name":{"type":"string"},"value":{"type":"string"}}}},"remove":{"type":"array","items":{"type":"string"}}}}}}},"defaultBackend":{"type":"string"},"requestHeaders":{"additionalProperties":false,"type":"object","required":["add","set","remove"],"properties":{"add":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name","value"],"properties":{"name":{"type":"string"},"value":{"type":"string"}}}},"set":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name","value"],"properties":{"name":{"type":"string"},"value":{"type":"string"}}}},"remove":{"type":"array","items":{"type":"string"}}}},"responseHeaders":{"additionalProperties":false,"type":"object","required":["add","set","remove"],"properties":{"add":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name","value"],"properties":{"name":{"type":"string"},"value":{"type":"string"}}}},"set":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name","value"],"properties":{"name":{"type":"string"},"value":{"type":"string"}}}},"remove":{"type":"array","items":{"type":"string"}}}},"rateLimit":{"additionalProperties":false,"type":"object","required":["requests","periodMs","key","status"],"properties":{"requests":{"type":"integer"},"periodMs":{"minimum":0,"type":"integer"},"key":{"const":"source","type":"string"},"status":{"type":"integer"}}},"connectionLimit":{"additionalProperties":false,"type":"object","required":["perSource","status"],"properties":{"perSource":{"type":"integer"},"status":{"type":"integer"}}},"listener":{"additionalProperties":false,"type":"object","required":["owner","hosts","defaultHosts"],"properties":{"owner":{"type":"string"},"members":{"maxItems":10000,"type":"array","items":{"type":"string"}},"hosts":{"maxItems":100000,"type":"array","items":{"type":"string"}},"defaultHosts":{"maxItems":100000,"type":"array","items":{"type":"string"}}}}}};
const func2 = Object.prototype.hasOwnProperty;

function validate22(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(errors === 0){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing0;
if((((((((((((data.id === undefined) && (missing0 = "id")) || ((data.namespace === undefined) && (missing0 = "namespace"))) || ((data.name === undefined) && (missing0 = "name"))) || ((data.mode === undefined) && (missing0 = "mode"))) || ((data.bind === undefined) && (missing0 = "bind"))) || ((data.forwardFor === undefined) && (missing0 = "forwardFor"))) || ((data.via === undefined) && (missing0 = "via"))) || ((data.timeouts === undefined) && (missing0 = "timeouts"))) || ((data.rules === undefined) && (missing0 = "rules"))) || ((data.requestHeaders === undefined) && (missing0 = "requestHeaders"))) || ((data.responseHeaders === undefined) && (missing0 = "responseHeaders"))){
validate22.errors = [{instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: missing0},message:"must have required property '"+missing0+"'"}];
return false;
}
else {
const _errs1 = errors;
for(const key0 in data){
if(!(func2.call(schema7.properties, key0))){
validate22.errors = [{instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs1 === errors){
if(data.id !== undefined){
const _errs2 = errors;
if(typeof data.id !== "string"){
validate22.errors = [{instancePath:instancePath+"/id",schemaPath:"#/properties/id/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid0 = _errs2 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.namespace !== undefined){
const _errs4 = errors;
if(typeof data.namespace !== "string"){
validate22.errors = [{instancePath:instancePath+"/namespace",schemaPath:"#/properties/namespace/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid0 = _errs4 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.name !== undefined){
const _errs6 = errors;
if(typeof data.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/name",schemaPath:"#/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid0 = _errs6 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.mode !== undefined){
let data3 = data.mode;
const _errs8 = errors;
const _errs9 = errors;
let valid1 = false;
const _errs10 = errors;
if(typeof data3 !== "string"){
const err0 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if("http" !== data3){
const err1 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/anyOf/0/const",keyword:"const",params:{allowedValue: "http"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
var _valid0 = _errs10 === errors;
valid1 = valid1 || _valid0;
if(!valid1){
const _errs12 = errors;
if(typeof data3 !== "string"){
const err2 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if("tcp" !== data3){
const err3 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/anyOf/1/const",keyword:"const",params:{allowedValue: "tcp"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
var _valid0 = _errs12 === errors;
valid1 = valid1 || _valid0;
}
if(!valid1){
const err4 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
validate22.errors = vErrors;
return false;
}
else {
errors = _errs9;
if(vErrors !== null){
if(_errs9){
vErrors.length = _errs9;
}
else {
vErrors = null;
}
}
}
var valid0 = _errs8 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.bind !== undefined){
let data4 = data.bind;
const _errs14 = errors;
if(errors === _errs14){
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
let missing1;
if(((data4.address === undefined) && (missing1 = "address")) || ((data4.port === undefined) && (missing1 = "port"))){
validate22.errors = [{instancePath:instancePath+"/bind",schemaPath:"#/properties/bind/required",keyword:"required",params:{missingProperty: missing1},message:"must have required property '"+missing1+"'"}];
return false;
}
else {
const _errs16 = errors;
for(const key1 in data4){
if(!((key1 === "address") || (key1 === "port"))){
validate22.errors = [{instancePath:instancePath+"/bind",schemaPath:"#/properties/bind/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs16 === errors){
if(data4.address !== undefined){
const _errs17 = errors;
if(typeof data4.address !== "string"){
validate22.errors = [{instancePath:instancePath+"/bind/address",schemaPath:"#/properties/bind/properties/address/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid2 = _errs17 === errors;
}
else {
var valid2 = true;
}
if(valid2){
if(data4.port !== undefined){
let data6 = data4.port;
const _errs19 = errors;
if(!(((typeof data6 == "number") && (!(data6 % 1) && !isNaN(data6))) && (isFinite(data6)))){
validate22.errors = [{instancePath:instancePath+"/bind/port",schemaPath:"#/properties/bind/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid2 = _errs19 === errors;
}
else {
var valid2 = true;
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/bind",schemaPath:"#/properties/bind/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs14 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.maxConnections !== undefined){
let data7 = data.maxConnections;
const _errs21 = errors;
if(!(((typeof data7 == "number") && (!(data7 % 1) && !isNaN(data7))) && (isFinite(data7)))){
validate22.errors = [{instancePath:instancePath+"/maxConnections",schemaPath:"#/properties/maxConnections/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid0 = _errs21 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.forwardFor !== undefined){
const _errs23 = errors;
if(typeof data.forwardFor !== "boolean"){
validate22.errors = [{instancePath:instancePath+"/forwardFor",schemaPath:"#/properties/forwardFor/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid0 = _errs23 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.via !== undefined){
const _errs25 = errors;
if(typeof data.via !== "boolean"){
validate22.errors = [{instancePath:instancePath+"/via",schemaPath:"#/properties/via/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid0 = _errs25 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.timeouts !== undefined){
let data10 = data.timeouts;
const _errs27 = errors;
if(errors === _errs27){
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
let missing2;
if((((data10.client === undefined) && (missing2 = "client")) || ((data10.httpRequest === undefined) && (missing2 = "httpRequest"))) || ((data10.keepAlive === undefined) && (missing2 = "keepAlive"))){
validate22.errors = [{instancePath:instancePath+"/timeouts",schemaPath:"#/properties/timeouts/required",keyword:"required",params:{missingProperty: missing2},message:"must have required property '"+missing2+"'"}];
return false;
}
else {
const _errs29 = errors;
for(const key2 in data10){
if(!(((key2 === "client") || (key2 === "httpRequest")) || (key2 === "keepAlive"))){
validate22.errors = [{instancePath:instancePath+"/timeouts",schemaPath:"#/properties/timeouts/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs29 === errors){
if(data10.client !== undefined){
let data11 = data10.client;
const _errs30 = errors;
if(!(((typeof data11 == "number") && (!(data11 % 1) && !isNaN(data11))) && (isFinite(data11)))){
validate22.errors = [{instancePath:instancePath+"/timeouts/client",schemaPath:"#/properties/timeouts/properties/client/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs30){
if((typeof data11 == "number") && (isFinite(data11))){
if(data11 < 0 || isNaN(data11)){
validate22.errors = [{instancePath:instancePath+"/timeouts/client",schemaPath:"#/properties/timeouts/properties/client/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid3 = _errs30 === errors;
}
else {
var valid3 = true;
}
if(valid3){
if(data10.httpRequest !== undefined){
let data12 = data10.httpRequest;
const _errs32 = errors;
if(!(((typeof data12 == "number") && (!(data12 % 1) && !isNaN(data12))) && (isFinite(data12)))){
validate22.errors = [{instancePath:instancePath+"/timeouts/httpRequest",schemaPath:"#/properties/timeouts/properties/httpRequest/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs32){
if((typeof data12 == "number") && (isFinite(data12))){
if(data12 < 0 || isNaN(data12)){
validate22.errors = [{instancePath:instancePath+"/timeouts/httpRequest",schemaPath:"#/properties/timeouts/properties/httpRequest/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid3 = _errs32 === errors;
}
else {
var valid3 = true;
}
if(valid3){
if(data10.keepAlive !== undefined){
let data13 = data10.keepAlive;
const _errs34 = errors;
if(!(((typeof data13 == "number") && (!(data13 % 1) && !isNaN(data13))) && (isFinite(data13)))){
validate22.errors = [{instancePath:instancePath+"/timeouts/keepAlive",schemaPath:"#/properties/timeouts/properties/keepAlive/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs34){
if((typeof data13 == "number") && (isFinite(data13))){
if(data13 < 0 || isNaN(data13)){
validate22.errors = [{instancePath:instancePath+"/timeouts/keepAlive",schemaPath:"#/properties/timeouts/properties/keepAlive/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid3 = _errs34 === errors;
}
else {
var valid3 = true;
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/timeouts",schemaPath:"#/properties/timeouts/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs27 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.tls !== undefined){
let data14 = data.tls;
const _errs36 = errors;
if(errors === _errs36){
if(data14 && typeof data14 == "object" && !Array.isArray(data14)){
let missing3;
if(((((data14.certificates === undefined) && (missing3 = "certificates")) || ((data14.alpn === undefined) && (missing3 = "alpn"))) || ((data14.strictSNI === undefined) && (missing3 = "strictSNI"))) || ((data14.clientAuth === undefined) && (missing3 = "clientAuth"))){
validate22.errors = [{instancePath:instancePath+"/tls",schemaPath:"#/properties/tls/required",keyword:"required",params:{missingProperty: missing3},message:"must have required property '"+missing3+"'"}];
return false;
}
else {
const _errs38 = errors;
for(const key3 in data14){
if(!(((((((key3 === "certificates") || (key3 === "minVersion")) || (key3 === "maxVersion")) || (key3 === "ciphers")) || (key3 === "alpn")) || (key3 === "strictSNI")) || (key3 === "clientAuth"))){
validate22.errors = [{instancePath:instancePath+"/tls",schemaPath:"#/properties/tls/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs38 === errors){
if(data14.certificates !== undefined){
let data15 = data14.certificates;
const _errs39 = errors;
if(errors === _errs39){
if(Array.isArray(data15)){
var valid5 = true;
const len0 = data15.length;
for(let i0=0; i0<len0; i0++){
let data16 = data15[i0];
const _errs41 = errors;
if(errors === _errs41){
if(data16 && typeof data16 == "object" && !Array.isArray(data16)){
let missing4;
if(((((data16.name === undefined) && (missing4 = "name")) || ((data16.certPem === undefined) && (missing4 = "certPem"))) || ((data16.keyPem === undefined) && (missing4 = "keyPem"))) || ((data16.serverNames === undefined) && (missing4 = "serverNames"))){
validate22.errors = [{instancePath:instancePath+"/tls/certificates/" + i0,schemaPath:"#/properties/tls/properties/certificates/items/required",keyword:"required",params:{missingProperty: missing4},message:"must have required property '"+missing4+"'"}];
return false;
}
else {
const _errs43 = errors;
for(const key4 in data16){
if(!((((key4 === "name") || (key4 === "certPem")) || (key4 === "keyPem")) || (key4 === "serverNames"))){
validate22.errors = [{instancePath:instancePath+"/tls/certificates/" + i0,schemaPath:"#/properties/tls/properties/certificates/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs43 === errors){
if(data16.name !== undefined){
const _errs44 = errors;
if(typeof data16.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/tls/certificates/" + i0+"/name",schemaPath:"#/properties/tls/properties/certificates/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid6 = _errs44 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data16.certPem !== undefined){
const _errs46 = errors;
if(typeof data16.certPem !== "string"){
validate22.errors = [{instancePath:instancePath+"/tls/certificates/" + i0+"/certPem",schemaPath:"#/properties/tls/properties/certificates/items/properties/certPem/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid6 = _errs46 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data16.keyPem !== undefined){
const _errs48 = errors;
if(typeof data16.keyPem !== "string"){
validate22.errors = [{instancePath:instancePath+"/tls/certificates/" + i0+"/keyPem",schemaPath:"#/properties/tls/properties/certificates/items/properties/keyPem/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid6 = _errs48 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data16.serverNames !== undefined){
let data20 = data16.serverNames;
const _errs50 = errors;
if(errors === _errs50){
if(Array.isArray(data20)){
var valid7 = true;
const len1 = data20.length;
for(let i1=0; i1<len1; i1++){
const _errs52 = errors;
if(typeof data20[i1] !== "string"){
validate22.errors = [{instancePath:instancePath+"/tls/certificates/" + i0+"/serverNames/" + i1,schemaPath:"#/properties/tls/properties/certificates/items/properties/serverNames/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid7 = _errs52 === errors;
if(!valid7){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/tls/certificates/" + i0+"/serverNames",schemaPath:"#/properties/tls/properties/certificates/items/properties/serverNames/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid6 = _errs50 === errors;
}
else {
var valid6 = true;
}
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/tls/certificates/" + i0,schemaPath:"#/properties/tls/properties/certificates/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid5 = _errs41 === errors;
if(!valid5){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/tls/certificates",schemaPath:"#/properties/tls/properties/certificates/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid4 = _errs39 === errors;
}
else {
var valid4 = true;
}
if(valid4){
if(data14.minVersion !== undefined){
const _errs54 = errors;
if(typeof data14.minVersion !== "string"){
validate22.errors = [{instancePath:instancePath+"/tls/minVersion",schemaPath:"#/properties/tls/properties/minVersion/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid4 = _errs54 === errors;
}
else {
var valid4 = true;
}
if(valid4){
if(data14.maxVersion !== undefined){
const _errs56 = errors;
if(typeof data14.maxVersion !== "string"){
validate22.errors = [{instancePath:instancePath+"/tls/maxVersion",schemaPath:"#/properties/tls/properties/maxVersion/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid4 = _errs56 === errors;
}
else {
var valid4 = true;
}
if(valid4){
if(data14.ciphers !== undefined){
const _errs58 = errors;
if(typeof data14.ciphers !== "string"){
validate22.errors = [{instancePath:instancePath+"/tls/ciphers",schemaPath:"#/properties/tls/properties/ciphers/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid4 = _errs58 === errors;
}
else {
var valid4 = true;
}
if(valid4){
if(data14.alpn !== undefined){
let data25 = data14.alpn;
const _errs60 = errors;
if(errors === _errs60){
if(Array.isArray(data25)){
var valid8 = true;
const len2 = data25.length;
for(let i2=0; i2<len2; i2++){
const _errs62 = errors;
if(typeof data25[i2] !== "string"){
validate22.errors = [{instancePath:instancePath+"/tls/alpn/" + i2,schemaPath:"#/properties/tls/properties/alpn/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid8 = _errs62 === errors;
if(!valid8){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/tls/alpn",schemaPath:"#/properties/tls/properties/alpn/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid4 = _errs60 === errors;
}
else {
var valid4 = true;
}
if(valid4){
if(data14.strictSNI !== undefined){
const _errs64 = errors;
if(typeof data14.strictSNI !== "boolean"){
validate22.errors = [{instancePath:instancePath+"/tls/strictSNI",schemaPath:"#/properties/tls/properties/strictSNI/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid4 = _errs64 === errors;
}
else {
var valid4 = true;
}
if(valid4){
if(data14.clientAuth !== undefined){
let data28 = data14.clientAuth;
const _errs66 = errors;
if(errors === _errs66){
if(data28 && typeof data28 == "object" && !Array.isArray(data28)){
let missing5;
if((data28.mode === undefined) && (missing5 = "mode")){
validate22.errors = [{instancePath:instancePath+"/tls/clientAuth",schemaPath:"#/properties/tls/properties/clientAuth/required",keyword:"required",params:{missingProperty: missing5},message:"must have required property '"+missing5+"'"}];
return false;
}
else {
const _errs68 = errors;
for(const key5 in data28){
if(!((key5 === "mode") || (key5 === "caPem"))){
validate22.errors = [{instancePath:instancePath+"/tls/clientAuth",schemaPath:"#/properties/tls/properties/clientAuth/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key5},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs68 === errors){
if(data28.mode !== undefined){
let data29 = data28.mode;
const _errs69 = errors;
const _errs70 = errors;
let valid10 = false;
const _errs71 = errors;
if(typeof data29 !== "string"){
const err5 = {instancePath:instancePath+"/tls/clientAuth/mode",schemaPath:"#/properties/tls/properties/clientAuth/properties/mode/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if("none" !== data29){
const err6 = {instancePath:instancePath+"/tls/clientAuth/mode",schemaPath:"#/properties/tls/properties/clientAuth/properties/mode/anyOf/0/const",keyword:"const",params:{allowedValue: "none"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
var _valid1 = _errs71 === errors;
valid10 = valid10 || _valid1;
if(!valid10){
const _errs73 = errors;
if(typeof data29 !== "string"){
const err7 = {instancePath:instancePath+"/tls/clientAuth/mode",schemaPath:"#/properties/tls/properties/clientAuth/properties/mode/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if("optional" !== data29){
const err8 = {instancePath:instancePath+"/tls/clientAuth/mode",schemaPath:"#/properties/tls/properties/clientAuth/properties/mode/anyOf/1/const",keyword:"const",params:{allowedValue: "optional"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
var _valid1 = _errs73 === errors;
valid10 = valid10 || _valid1;
if(!valid10){
const _errs75 = errors;
if(typeof data29 !== "string"){
const err9 = {instancePath:instancePath+"/tls/clientAuth/mode",schemaPath:"#/properties/tls/properties/clientAuth/properties/mode/anyOf/2/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if("required" !== data29){
const err10 = {instancePath:instancePath+"/tls/clientAuth/mode",schemaPath:"#/properties/tls/properties/clientAuth/properties/mode/anyOf/2/const",keyword:"const",params:{allowedValue: "required"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
var _valid1 = _errs75 === errors;
valid10 = valid10 || _valid1;
}
}
if(!valid10){
const err11 = {instancePath:instancePath+"/tls/clientAuth/mode",schemaPath:"#/properties/tls/properties/clientAuth/properties/mode/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
validate22.errors = vErrors;
return false;
}
else {
errors = _errs70;
if(vErrors !== null){
if(_errs70){
vErrors.length = _errs70;
}
else {
vErrors = null;
}
}
}
var valid9 = _errs69 === errors;
}
else {
var valid9 = true;
}
if(valid9){
if(data28.caPem !== undefined){
const _errs77 = errors;
if(typeof data28.caPem !== "string"){
validate22.errors = [{instancePath:instancePath+"/tls/clientAuth/caPem",schemaPath:"#/properties/tls/properties/clientAuth/properties/caPem/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid9 = _errs77 === errors;
}
else {
var valid9 = true;
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/tls/clientAuth",schemaPath:"#/properties/tls/properties/clientAuth/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid4 = _errs66 === errors;
}
else {
var valid4 = true;
}
}
}
}
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/tls",schemaPath:"#/properties/tls/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs36 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.rules !== undefined){
let data31 = data.rules;
const _errs79 = errors;
if(errors === _errs79){
if(Array.isArray(data31)){
var valid11 = true;
const len3 = data31.length;
for(let i3=0; i3<len3; i3++){
let data32 = data31[i3];
const _errs81 = errors;
if(errors === _errs81){
if(data32 && typeof data32 == "object" && !Array.isArray(data32)){
let missing6;
if((((data32.name === undefined) && (missing6 = "name")) || ((data32.match === undefined) && (missing6 = "match"))) || ((data32.action === undefined) && (missing6 = "action"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3,schemaPath:"#/properties/rules/items/required",keyword:"required",params:{missingProperty: missing6},message:"must have required property '"+missing6+"'"}];
return false;
}
else {
const _errs83 = errors;
for(const key6 in data32){
if(!(((((key6 === "name") || (key6 === "match")) || (key6 === "action")) || (key6 === "requestHeaders")) || (key6 === "responseHeaders"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3,schemaPath:"#/properties/rules/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key6},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs83 === errors){
if(data32.name !== undefined){
const _errs84 = errors;
if(typeof data32.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/name",schemaPath:"#/properties/rules/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid12 = _errs84 === errors;
}
else {
var valid12 = true;
}
if(valid12){
if(data32.match !== undefined){
let data34 = data32.match;
const _errs86 = errors;
if(errors === _errs86){
if(data34 && typeof data34 == "object" && !Array.isArray(data34)){
const _errs88 = errors;
for(const key7 in data34){
if(!(((((((key7 === "host") || (key7 === "path")) || (key7 === "methods")) || (key7 === "headers")) || (key7 === "queryParams")) || (key7 === "sourceCIDRs")) || (key7 === "sni"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match",schemaPath:"#/properties/rules/items/properties/match/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key7},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs88 === errors){
if(data34.host !== undefined){
const _errs89 = errors;
if(typeof data34.host !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/host",schemaPath:"#/properties/rules/items/properties/match/properties/host/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid13 = _errs89 === errors;
}
else {
var valid13 = true;
}
if(valid13){
if(data34.path !== undefined){
let data36 = data34.path;
const _errs91 = errors;
if(errors === _errs91){
if(data36 && typeof data36 == "object" && !Array.isArray(data36)){
const _errs93 = errors;
for(const key8 in data36){
if(!(((key8 === "prefix") || (key8 === "exact")) || (key8 === "regex"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/path",schemaPath:"#/properties/rules/items/properties/match/properties/path/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key8},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs93 === errors){
if(data36.prefix !== undefined){
const _errs94 = errors;
if(typeof data36.prefix !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/path/prefix",schemaPath:"#/properties/rules/items/properties/match/properties/path/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid14 = _errs94 === errors;
}
else {
var valid14 = true;
}
if(valid14){
if(data36.exact !== undefined){
const _errs96 = errors;
if(typeof data36.exact !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/path/exact",schemaPath:"#/properties/rules/items/properties/match/properties/path/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid14 = _errs96 === errors;
}
else {
var valid14 = true;
}
if(valid14){
if(data36.regex !== undefined){
const _errs98 = errors;
if(typeof data36.regex !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/path/regex",schemaPath:"#/properties/rules/items/properties/match/properties/path/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid14 = _errs98 === errors;
}
else {
var valid14 = true;
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/path",schemaPath:"#/properties/rules/items/properties/match/properties/path/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid13 = _errs91 === errors;
}
else {
var valid13 = true;
}
if(valid13){
if(data34.methods !== undefined){
let data40 = data34.methods;
const _errs100 = errors;
if(errors === _errs100){
if(Array.isArray(data40)){
var valid15 = true;
const len4 = data40.length;
for(let i4=0; i4<len4; i4++){
const _errs102 = errors;
if(typeof data40[i4] !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/methods/" + i4,schemaPath:"#/properties/rules/items/properties/match/properties/methods/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid15 = _errs102 === errors;
if(!valid15){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/methods",schemaPath:"#/properties/rules/items/properties/match/properties/methods/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid13 = _errs100 === errors;
}
else {
var valid13 = true;
}
if(valid13){
if(data34.headers !== undefined){
let data42 = data34.headers;
const _errs104 = errors;
if(errors === _errs104){
if(Array.isArray(data42)){
var valid16 = true;
const len5 = data42.length;
for(let i5=0; i5<len5; i5++){
let data43 = data42[i5];
const _errs106 = errors;
if(errors === _errs106){
if(data43 && typeof data43 == "object" && !Array.isArray(data43)){
let missing7;
if((data43.name === undefined) && (missing7 = "name")){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/headers/" + i5,schemaPath:"#/properties/rules/items/properties/match/properties/headers/items/required",keyword:"required",params:{missingProperty: missing7},message:"must have required property '"+missing7+"'"}];
return false;
}
else {
const _errs108 = errors;
for(const key9 in data43){
if(!((((key9 === "name") || (key9 === "exact")) || (key9 === "regex")) || (key9 === "present"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/headers/" + i5,schemaPath:"#/properties/rules/items/properties/match/properties/headers/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key9},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs108 === errors){
if(data43.name !== undefined){
const _errs109 = errors;
if(typeof data43.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/headers/" + i5+"/name",schemaPath:"#/properties/rules/items/properties/match/properties/headers/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid17 = _errs109 === errors;
}
else {
var valid17 = true;
}
if(valid17){
if(data43.exact !== undefined){
const _errs111 = errors;
if(typeof data43.exact !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/headers/" + i5+"/exact",schemaPath:"#/properties/rules/items/properties/match/properties/headers/items/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid17 = _errs111 === errors;
}
else {
var valid17 = true;
}
if(valid17){
if(data43.regex !== undefined){
const _errs113 = errors;
if(typeof data43.regex !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/headers/" + i5+"/regex",schemaPath:"#/properties/rules/items/properties/match/properties/headers/items/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid17 = _errs113 === errors;
}
else {
var valid17 = true;
}
if(valid17){
if(data43.present !== undefined){
const _errs115 = errors;
if(typeof data43.present !== "boolean"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/headers/" + i5+"/present",schemaPath:"#/properties/rules/items/properties/match/properties/headers/items/properties/present/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid17 = _errs115 === errors;
}
else {
var valid17 = true;
}
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/headers/" + i5,schemaPath:"#/properties/rules/items/properties/match/properties/headers/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid16 = _errs106 === errors;
if(!valid16){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/headers",schemaPath:"#/properties/rules/items/properties/match/properties/headers/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid13 = _errs104 === errors;
}
else {
var valid13 = true;
}
if(valid13){
if(data34.queryParams !== undefined){
let data48 = data34.queryParams;
const _errs117 = errors;
if(errors === _errs117){
if(Array.isArray(data48)){
var valid18 = true;
const len6 = data48.length;
for(let i6=0; i6<len6; i6++){
let data49 = data48[i6];
const _errs119 = errors;
if(errors === _errs119){
if(data49 && typeof data49 == "object" && !Array.isArray(data49)){
let missing8;
if((data49.name === undefined) && (missing8 = "name")){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/queryParams/" + i6,schemaPath:"#/properties/rules/items/properties/match/properties/queryParams/items/required",keyword:"required",params:{missingProperty: missing8},message:"must have required property '"+missing8+"'"}];
return false;
}
else {
const _errs121 = errors;
for(const key10 in data49){
if(!((((key10 === "name") || (key10 === "exact")) || (key10 === "regex")) || (key10 === "present"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/queryParams/" + i6,schemaPath:"#/properties/rules/items/properties/match/properties/queryParams/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key10},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs121 === errors){
if(data49.name !== undefined){
const _errs122 = errors;
if(typeof data49.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/queryParams/" + i6+"/name",schemaPath:"#/properties/rules/items/properties/match/properties/queryParams/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid19 = _errs122 === errors;
}
else {
var valid19 = true;
}
if(valid19){
if(data49.exact !== undefined){
const _errs124 = errors;
if(typeof data49.exact !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/queryParams/" + i6+"/exact",schemaPath:"#/properties/rules/items/properties/match/properties/queryParams/items/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid19 = _errs124 === errors;
}
else {
var valid19 = true;
}
if(valid19){
if(data49.regex !== undefined){
const _errs126 = errors;
if(typeof data49.regex !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/queryParams/" + i6+"/regex",schemaPath:"#/properties/rules/items/properties/match/properties/queryParams/items/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid19 = _errs126 === errors;
}
else {
var valid19 = true;
}
if(valid19){
if(data49.present !== undefined){
const _errs128 = errors;
if(typeof data49.present !== "boolean"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/queryParams/" + i6+"/present",schemaPath:"#/properties/rules/items/properties/match/properties/queryParams/items/properties/present/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid19 = _errs128 === errors;
}
else {
var valid19 = true;
}
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/queryParams/" + i6,schemaPath:"#/properties/rules/items/properties/match/properties/queryParams/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid18 = _errs119 === errors;
if(!valid18){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/queryParams",schemaPath:"#/properties/rules/items/properties/match/properties/queryParams/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid13 = _errs117 === errors;
}
else {
var valid13 = true;
}
if(valid13){
if(data34.sourceCIDRs !== undefined){
let data54 = data34.sourceCIDRs;
const _errs130 = errors;
if(errors === _errs130){
if(Array.isArray(data54)){
var valid20 = true;
const len7 = data54.length;
for(let i7=0; i7<len7; i7++){
const _errs132 = errors;
if(typeof data54[i7] !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/sourceCIDRs/" + i7,schemaPath:"#/properties/rules/items/properties/match/properties/sourceCIDRs/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid20 = _errs132 === errors;
if(!valid20){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/sourceCIDRs",schemaPath:"#/properties/rules/items/properties/match/properties/sourceCIDRs/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid13 = _errs130 === errors;
}
else {
var valid13 = true;
}
if(valid13){
if(data34.sni !== undefined){
let data56 = data34.sni;
const _errs134 = errors;
if(errors === _errs134){
if(Array.isArray(data56)){
var valid21 = true;
const len8 = data56.length;
for(let i8=0; i8<len8; i8++){
const _errs136 = errors;
if(typeof data56[i8] !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/sni/" + i8,schemaPath:"#/properties/rules/items/properties/match/properties/sni/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid21 = _errs136 === errors;
if(!valid21){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match/sni",schemaPath:"#/properties/rules/items/properties/match/properties/sni/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid13 = _errs134 === errors;
}
else {
var valid13 = true;
}
}
}
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/match",schemaPath:"#/properties/rules/items/properties/match/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid12 = _errs86 === errors;
}
else {
var valid12 = true;
}
if(valid12){
if(data32.action !== undefined){
let data58 = data32.action;
const _errs138 = errors;
const _errs139 = errors;
let valid22 = false;
const _errs140 = errors;
if(errors === _errs140){
if(data58 && typeof data58 == "object" && !Array.isArray(data58)){
let missing9;
if(((data58.type === undefined) && (missing9 = "type")) || ((data58.backend === undefined) && (missing9 = "backend"))){
const err12 = {instancePath:instancePath+"/rules/" + i3+"/action",schemaPath:"#/properties/rules/items/properties/action/anyOf/0/required",keyword:"required",params:{missingProperty: missing9},message:"must have required property '"+missing9+"'"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
else {
const _errs142 = errors;
for(const key11 in data58){
if(!((key11 === "type") || (key11 === "backend"))){
const err13 = {instancePath:instancePath+"/rules/" + i3+"/action",schemaPath:"#/properties/rules/items/properties/action/anyOf/0/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key11},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
break;
}
}
if(_errs142 === errors){
if(data58.type !== undefined){
let data59 = data58.type;
const _errs143 = errors;
if(typeof data59 !== "string"){
const err14 = {instancePath:instancePath+"/rules/" + i3+"/action/type",schemaPath:"#/properties/rules/items/properties/action/anyOf/0/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
if("backend" !== data59){
const err15 = {instancePath:instancePath+"/rules/" + i3+"/action/type",schemaPath:"#/properties/rules/items/properties/action/anyOf/0/properties/type/const",keyword:"const",params:{allowedValue: "backend"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
var valid23 = _errs143 === errors;
}
else {
var valid23 = true;
}
if(valid23){
if(data58.backend !== undefined){
const _errs145 = errors;
if(typeof data58.backend !== "string"){
const err16 = {instancePath:instancePath+"/rules/" + i3+"/action/backend",schemaPath:"#/properties/rules/items/properties/action/anyOf/0/properties/backend/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
var valid23 = _errs145 === errors;
}
else {
var valid23 = true;
}
}
}
}
}
else {
const err17 = {instancePath:instancePath+"/rules/" + i3+"/action",schemaPath:"#/properties/rules/items/properties/action/anyOf/0/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
var _valid2 = _errs140 === errors;
valid22 = valid22 || _valid2;
if(!valid22){
const _errs147 = errors;
if(errors === _errs147){
if(data58 && typeof data58 == "object" && !Array.isArray(data58)){
let missing10;
if((((data58.type === undefined) && (missing10 = "type")) || ((data58.code === undefined) && (missing10 = "code"))) || ((data58.stripQuery === undefined) && (missing10 = "stripQuery"))){
const err18 = {instancePath:instancePath+"/rules/" + i3+"/action",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/required",keyword:"required",params:{missingProperty: missing10},message:"must have required property '"+missing10+"'"};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
else {
const _errs149 = errors;
for(const key12 in data58){
if(!((((((((key12 === "type") || (key12 === "scheme")) || (key12 === "host")) || (key12 === "port")) || (key12 === "path")) || (key12 === "prefix")) || (key12 === "code")) || (key12 === "stripQuery"))){
const err19 = {instancePath:instancePath+"/rules/" + i3+"/action",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key12},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
break;
}
}
if(_errs149 === errors){
if(data58.type !== undefined){
let data61 = data58.type;
const _errs150 = errors;
if(typeof data61 !== "string"){
const err20 = {instancePath:instancePath+"/rules/" + i3+"/action/type",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
if("redirect" !== data61){
const err21 = {instancePath:instancePath+"/rules/" + i3+"/action/type",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/type/const",keyword:"const",params:{allowedValue: "redirect"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
var valid24 = _errs150 === errors;
}
else {
var valid24 = true;
}
if(valid24){
if(data58.scheme !== undefined){
let data62 = data58.scheme;
const _errs152 = errors;
const _errs153 = errors;
let valid25 = false;
const _errs154 = errors;
if(typeof data62 !== "string"){
const err22 = {instancePath:instancePath+"/rules/" + i3+"/action/scheme",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/scheme/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
if("http" !== data62){
const err23 = {instancePath:instancePath+"/rules/" + i3+"/action/scheme",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/scheme/anyOf/0/const",keyword:"const",params:{allowedValue: "http"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
var _valid3 = _errs154 === errors;
valid25 = valid25 || _valid3;
if(!valid25){
const _errs156 = errors;
if(typeof data62 !== "string"){
const err24 = {instancePath:instancePath+"/rules/" + i3+"/action/scheme",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/scheme/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if("https" !== data62){
const err25 = {instancePath:instancePath+"/rules/" + i3+"/action/scheme",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/scheme/anyOf/1/const",keyword:"const",params:{allowedValue: "https"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
var _valid3 = _errs156 === errors;
valid25 = valid25 || _valid3;
}
if(!valid25){
const err26 = {instancePath:instancePath+"/rules/" + i3+"/action/scheme",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/scheme/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
else {
errors = _errs153;
if(vErrors !== null){
if(_errs153){
vErrors.length = _errs153;
}
else {
vErrors = null;
}
}
}
var valid24 = _errs152 === errors;
}
else {
var valid24 = true;
}
if(valid24){
if(data58.host !== undefined){
const _errs158 = errors;
if(typeof data58.host !== "string"){
const err27 = {instancePath:instancePath+"/rules/" + i3+"/action/host",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/host/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
var valid24 = _errs158 === errors;
}
else {
var valid24 = true;
}
if(valid24){
if(data58.port !== undefined){
let data64 = data58.port;
const _errs160 = errors;
if(!(((typeof data64 == "number") && (!(data64 % 1) && !isNaN(data64))) && (isFinite(data64)))){
const err28 = {instancePath:instancePath+"/rules/" + i3+"/action/port",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
var valid24 = _errs160 === errors;
}
else {
var valid24 = true;
}
if(valid24){
if(data58.path !== undefined){
const _errs162 = errors;
if(typeof data58.path !== "string"){
const err29 = {instancePath:instancePath+"/rules/" + i3+"/action/path",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/path/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
var valid24 = _errs162 === errors;
}
else {
var valid24 = true;
}
if(valid24){
if(data58.prefix !== undefined){
const _errs164 = errors;
if(typeof data58.prefix !== "string"){
const err30 = {instancePath:instancePath+"/rules/" + i3+"/action/prefix",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
var valid24 = _errs164 === errors;
}
else {
var valid24 = true;
}
if(valid24){
if(data58.code !== undefined){
let data67 = data58.code;
const _errs166 = errors;
if(!(((typeof data67 == "number") && (!(data67 % 1) && !isNaN(data67))) && (isFinite(data67)))){
const err31 = {instancePath:instancePath+"/rules/" + i3+"/action/code",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/code/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
var valid24 = _errs166 === errors;
}
else {
var valid24 = true;
}
if(valid24){
if(data58.stripQuery !== undefined){
const _errs168 = errors;
if(typeof data58.stripQuery !== "boolean"){
const err32 = {instancePath:instancePath+"/rules/" + i3+"/action/stripQuery",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/properties/stripQuery/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
var valid24 = _errs168 === errors;
}
else {
var valid24 = true;
}
}
}
}
}
}
}
}
}
}
}
else {
const err33 = {instancePath:instancePath+"/rules/" + i3+"/action",schemaPath:"#/properties/rules/items/properties/action/anyOf/1/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
var _valid2 = _errs147 === errors;
valid22 = valid22 || _valid2;
if(!valid22){
const _errs170 = errors;
if(errors === _errs170){
if(data58 && typeof data58 == "object" && !Array.isArray(data58)){
let missing11;
if(((data58.type === undefined) && (missing11 = "type")) || ((data58.status === undefined) && (missing11 = "status"))){
const err34 = {instancePath:instancePath+"/rules/" + i3+"/action",schemaPath:"#/properties/rules/items/properties/action/anyOf/2/required",keyword:"required",params:{missingProperty: missing11},message:"must have required property '"+missing11+"'"};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
else {
const _errs172 = errors;
for(const key13 in data58){
if(!(((key13 === "type") || (key13 === "status")) || (key13 === "body"))){
const err35 = {instancePath:instancePath+"/rules/" + i3+"/action",schemaPath:"#/properties/rules/items/properties/action/anyOf/2/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key13},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
break;
}
}
if(_errs172 === errors){
if(data58.type !== undefined){
let data69 = data58.type;
const _errs173 = errors;
if(typeof data69 !== "string"){
const err36 = {instancePath:instancePath+"/rules/" + i3+"/action/type",schemaPath:"#/properties/rules/items/properties/action/anyOf/2/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
if("deny" !== data69){
const err37 = {instancePath:instancePath+"/rules/" + i3+"/action/type",schemaPath:"#/properties/rules/items/properties/action/anyOf/2/properties/type/const",keyword:"const",params:{allowedValue: "deny"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
var valid26 = _errs173 === errors;
}
else {
var valid26 = true;
}
if(valid26){
if(data58.status !== undefined){
let data70 = data58.status;
const _errs175 = errors;
if(!(((typeof data70 == "number") && (!(data70 % 1) && !isNaN(data70))) && (isFinite(data70)))){
const err38 = {instancePath:instancePath+"/rules/" + i3+"/action/status",schemaPath:"#/properties/rules/items/properties/action/anyOf/2/properties/status/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
var valid26 = _errs175 === errors;
}
else {
var valid26 = true;
}
if(valid26){
if(data58.body !== undefined){
const _errs177 = errors;
if(typeof data58.body !== "string"){
const err39 = {instancePath:instancePath+"/rules/" + i3+"/action/body",schemaPath:"#/properties/rules/items/properties/action/anyOf/2/properties/body/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
var valid26 = _errs177 === errors;
}
else {
var valid26 = true;
}
}
}
}
}
}
else {
const err40 = {instancePath:instancePath+"/rules/" + i3+"/action",schemaPath:"#/properties/rules/items/properties/action/anyOf/2/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
}
var _valid2 = _errs170 === errors;
valid22 = valid22 || _valid2;
}
}
if(!valid22){
const err41 = {instancePath:instancePath+"/rules/" + i3+"/action",schemaPath:"#/properties/rules/items/properties/action/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
validate22.errors = vErrors;
return false;
}
else {
errors = _errs139;
if(vErrors !== null){
if(_errs139){
vErrors.length = _errs139;
}
else {
vErrors = null;
}
}
}
var valid12 = _errs138 === errors;
}
else {
var valid12 = true;
}
if(valid12){
if(data32.requestHeaders !== undefined){
let data72 = data32.requestHeaders;
const _errs179 = errors;
if(errors === _errs179){
if(data72 && typeof data72 == "object" && !Array.isArray(data72)){
let missing12;
if((((data72.add === undefined) && (missing12 = "add")) || ((data72.set === undefined) && (missing12 = "set"))) || ((data72.remove === undefined) && (missing12 = "remove"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders",schemaPath:"#/properties/rules/items/properties/requestHeaders/required",keyword:"required",params:{missingProperty: missing12},message:"must have required property '"+missing12+"'"}];
return false;
}
else {
const _errs181 = errors;
for(const key14 in data72){
if(!(((key14 === "add") || (key14 === "set")) || (key14 === "remove"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders",schemaPath:"#/properties/rules/items/properties/requestHeaders/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key14},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs181 === errors){
if(data72.add !== undefined){
let data73 = data72.add;
const _errs182 = errors;
if(errors === _errs182){
if(Array.isArray(data73)){
var valid28 = true;
const len9 = data73.length;
for(let i9=0; i9<len9; i9++){
let data74 = data73[i9];
const _errs184 = errors;
if(errors === _errs184){
if(data74 && typeof data74 == "object" && !Array.isArray(data74)){
let missing13;
if(((data74.name === undefined) && (missing13 = "name")) || ((data74.value === undefined) && (missing13 = "value"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/add/" + i9,schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/add/items/required",keyword:"required",params:{missingProperty: missing13},message:"must have required property '"+missing13+"'"}];
return false;
}
else {
const _errs186 = errors;
for(const key15 in data74){
if(!((key15 === "name") || (key15 === "value"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/add/" + i9,schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/add/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key15},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs186 === errors){
if(data74.name !== undefined){
const _errs187 = errors;
if(typeof data74.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/add/" + i9+"/name",schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/add/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid29 = _errs187 === errors;
}
else {
var valid29 = true;
}
if(valid29){
if(data74.value !== undefined){
const _errs189 = errors;
if(typeof data74.value !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/add/" + i9+"/value",schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/add/items/properties/value/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid29 = _errs189 === errors;
}
else {
var valid29 = true;
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/add/" + i9,schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/add/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid28 = _errs184 === errors;
if(!valid28){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/add",schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/add/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid27 = _errs182 === errors;
}
else {
var valid27 = true;
}
if(valid27){
if(data72.set !== undefined){
let data77 = data72.set;
const _errs191 = errors;
if(errors === _errs191){
if(Array.isArray(data77)){
var valid30 = true;
const len10 = data77.length;
for(let i10=0; i10<len10; i10++){
let data78 = data77[i10];
const _errs193 = errors;
if(errors === _errs193){
if(data78 && typeof data78 == "object" && !Array.isArray(data78)){
let missing14;
if(((data78.name === undefined) && (missing14 = "name")) || ((data78.value === undefined) && (missing14 = "value"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/set/" + i10,schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/set/items/required",keyword:"required",params:{missingProperty: missing14},message:"must have required property '"+missing14+"'"}];
return false;
}
else {
const _errs195 = errors;
for(const key16 in data78){
if(!((key16 === "name") || (key16 === "value"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/set/" + i10,schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/set/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key16},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs195 === errors){
if(data78.name !== undefined){
const _errs196 = errors;
if(typeof data78.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/set/" + i10+"/name",schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/set/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid31 = _errs196 === errors;
}
else {
var valid31 = true;
}
if(valid31){
if(data78.value !== undefined){
const _errs198 = errors;
if(typeof data78.value !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/set/" + i10+"/value",schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/set/items/properties/value/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid31 = _errs198 === errors;
}
else {
var valid31 = true;
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/set/" + i10,schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/set/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid30 = _errs193 === errors;
if(!valid30){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/set",schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/set/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid27 = _errs191 === errors;
}
else {
var valid27 = true;
}
if(valid27){
if(data72.remove !== undefined){
let data81 = data72.remove;
const _errs200 = errors;
if(errors === _errs200){
if(Array.isArray(data81)){
var valid32 = true;
const len11 = data81.length;
for(let i11=0; i11<len11; i11++){
const _errs202 = errors;
if(typeof data81[i11] !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/remove/" + i11,schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/remove/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid32 = _errs202 === errors;
if(!valid32){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders/remove",schemaPath:"#/properties/rules/items/properties/requestHeaders/properties/remove/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid27 = _errs200 === errors;
}
else {
var valid27 = true;
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/requestHeaders",schemaPath:"#/properties/rules/items/properties/requestHeaders/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid12 = _errs179 === errors;
}
else {
var valid12 = true;
}
if(valid12){
if(data32.responseHeaders !== undefined){
let data83 = data32.responseHeaders;
const _errs204 = errors;
if(errors === _errs204){
if(data83 && typeof data83 == "object" && !Array.isArray(data83)){
let missing15;
if((((data83.add === undefined) && (missing15 = "add")) || ((data83.set === undefined) && (missing15 = "set"))) || ((data83.remove === undefined) && (missing15 = "remove"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders",schemaPath:"#/properties/rules/items/properties/responseHeaders/required",keyword:"required",params:{missingProperty: missing15},message:"must have required property '"+missing15+"'"}];
return false;
}
else {
const _errs206 = errors;
for(const key17 in data83){
if(!(((key17 === "add") || (key17 === "set")) || (key17 === "remove"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders",schemaPath:"#/properties/rules/items/properties/responseHeaders/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key17},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs206 === errors){
if(data83.add !== undefined){
let data84 = data83.add;
const _errs207 = errors;
if(errors === _errs207){
if(Array.isArray(data84)){
var valid34 = true;
const len12 = data84.length;
for(let i12=0; i12<len12; i12++){
let data85 = data84[i12];
const _errs209 = errors;
if(errors === _errs209){
if(data85 && typeof data85 == "object" && !Array.isArray(data85)){
let missing16;
if(((data85.name === undefined) && (missing16 = "name")) || ((data85.value === undefined) && (missing16 = "value"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/add/" + i12,schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/add/items/required",keyword:"required",params:{missingProperty: missing16},message:"must have required property '"+missing16+"'"}];
return false;
}
else {
const _errs211 = errors;
for(const key18 in data85){
if(!((key18 === "name") || (key18 === "value"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/add/" + i12,schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/add/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key18},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs211 === errors){
if(data85.name !== undefined){
const _errs212 = errors;
if(typeof data85.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/add/" + i12+"/name",schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/add/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid35 = _errs212 === errors;
}
else {
var valid35 = true;
}
if(valid35){
if(data85.value !== undefined){
const _errs214 = errors;
if(typeof data85.value !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/add/" + i12+"/value",schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/add/items/properties/value/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid35 = _errs214 === errors;
}
else {
var valid35 = true;
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/add/" + i12,schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/add/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid34 = _errs209 === errors;
if(!valid34){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/add",schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/add/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid33 = _errs207 === errors;
}
else {
var valid33 = true;
}
if(valid33){
if(data83.set !== undefined){
let data88 = data83.set;
const _errs216 = errors;
if(errors === _errs216){
if(Array.isArray(data88)){
var valid36 = true;
const len13 = data88.length;
for(let i13=0; i13<len13; i13++){
let data89 = data88[i13];
const _errs218 = errors;
if(errors === _errs218){
if(data89 && typeof data89 == "object" && !Array.isArray(data89)){
let missing17;
if(((data89.name === undefined) && (missing17 = "name")) || ((data89.value === undefined) && (missing17 = "value"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/set/" + i13,schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/set/items/required",keyword:"required",params:{missingProperty: missing17},message:"must have required property '"+missing17+"'"}];
return false;
}
else {
const _errs220 = errors;
for(const key19 in data89){
if(!((key19 === "name") || (key19 === "value"))){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/set/" + i13,schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/set/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key19},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs220 === errors){
if(data89.name !== undefined){
const _errs221 = errors;
if(typeof data89.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/set/" + i13+"/name",schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/set/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid37 = _errs221 === errors;
}
else {
var valid37 = true;
}
if(valid37){
if(data89.value !== undefined){
const _errs223 = errors;
if(typeof data89.value !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/set/" + i13+"/value",schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/set/items/properties/value/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid37 = _errs223 === errors;
}
else {
var valid37 = true;
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/set/" + i13,schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/set/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid36 = _errs218 === errors;
if(!valid36){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/set",schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/set/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid33 = _errs216 === errors;
}
else {
var valid33 = true;
}
if(valid33){
if(data83.remove !== undefined){
let data92 = data83.remove;
const _errs225 = errors;
if(errors === _errs225){
if(Array.isArray(data92)){
var valid38 = true;
const len14 = data92.length;
for(let i14=0; i14<len14; i14++){
const _errs227 = errors;
if(typeof data92[i14] !== "string"){
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/remove/" + i14,schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/remove/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid38 = _errs227 === errors;
if(!valid38){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders/remove",schemaPath:"#/properties/rules/items/properties/responseHeaders/properties/remove/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid33 = _errs225 === errors;
}
else {
var valid33 = true;
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3+"/responseHeaders",schemaPath:"#/properties/rules/items/properties/responseHeaders/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid12 = _errs204 === errors;
}
else {
var valid12 = true;
}
}
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules/" + i3,schemaPath:"#/properties/rules/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid11 = _errs81 === errors;
if(!valid11){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rules",schemaPath:"#/properties/rules/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid0 = _errs79 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.defaultBackend !== undefined){
const _errs229 = errors;
if(typeof data.defaultBackend !== "string"){
validate22.errors = [{instancePath:instancePath+"/defaultBackend",schemaPath:"#/properties/defaultBackend/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid0 = _errs229 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.requestHeaders !== undefined){
let data95 = data.requestHeaders;
const _errs231 = errors;
if(errors === _errs231){
if(data95 && typeof data95 == "object" && !Array.isArray(data95)){
let missing18;
if((((data95.add === undefined) && (missing18 = "add")) || ((data95.set === undefined) && (missing18 = "set"))) || ((data95.remove === undefined) && (missing18 = "remove"))){
validate22.errors = [{instancePath:instancePath+"/requestHeaders",schemaPath:"#/properties/requestHeaders/required",keyword:"required",params:{missingProperty: missing18},message:"must have required property '"+missing18+"'"}];
return false;
}
else {
const _errs233 = errors;
for(const key20 in data95){
if(!(((key20 === "add") || (key20 === "set")) || (key20 === "remove"))){
validate22.errors = [{instancePath:instancePath+"/requestHeaders",schemaPath:"#/properties/requestHeaders/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key20},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs233 === errors){
if(data95.add !== undefined){
let data96 = data95.add;
const _errs234 = errors;
if(errors === _errs234){
if(Array.isArray(data96)){
var valid40 = true;
const len15 = data96.length;
for(let i15=0; i15<len15; i15++){
let data97 = data96[i15];
const _errs236 = errors;
if(errors === _errs236){
if(data97 && typeof data97 == "object" && !Array.isArray(data97)){
let missing19;
if(((data97.name === undefined) && (missing19 = "name")) || ((data97.value === undefined) && (missing19 = "value"))){
validate22.errors = [{instancePath:instancePath+"/requestHeaders/add/" + i15,schemaPath:"#/properties/requestHeaders/properties/add/items/required",keyword:"required",params:{missingProperty: missing19},message:"must have required property '"+missing19+"'"}];
return false;
}
else {
const _errs238 = errors;
for(const key21 in data97){
if(!((key21 === "name") || (key21 === "value"))){
validate22.errors = [{instancePath:instancePath+"/requestHeaders/add/" + i15,schemaPath:"#/properties/requestHeaders/properties/add/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key21},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs238 === errors){
if(data97.name !== undefined){
const _errs239 = errors;
if(typeof data97.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/requestHeaders/add/" + i15+"/name",schemaPath:"#/properties/requestHeaders/properties/add/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid41 = _errs239 === errors;
}
else {
var valid41 = true;
}
if(valid41){
if(data97.value !== undefined){
const _errs241 = errors;
if(typeof data97.value !== "string"){
validate22.errors = [{instancePath:instancePath+"/requestHeaders/add/" + i15+"/value",schemaPath:"#/properties/requestHeaders/properties/add/items/properties/value/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid41 = _errs241 === errors;
}
else {
var valid41 = true;
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/requestHeaders/add/" + i15,schemaPath:"#/properties/requestHeaders/properties/add/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid40 = _errs236 === errors;
if(!valid40){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/requestHeaders/add",schemaPath:"#/properties/requestHeaders/properties/add/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid39 = _errs234 === errors;
}
else {
var valid39 = true;
}
if(valid39){
if(data95.set !== undefined){
let data100 = data95.set;
const _errs243 = errors;
if(errors === _errs243){
if(Array.isArray(data100)){
var valid42 = true;
const len16 = data100.length;
for(let i16=0; i16<len16; i16++){
let data101 = data100[i16];
const _errs245 = errors;
if(errors === _errs245){
if(data101 && typeof data101 == "object" && !Array.isArray(data101)){
let missing20;
if(((data101.name === undefined) && (missing20 = "name")) || ((data101.value === undefined) && (missing20 = "value"))){
validate22.errors = [{instancePath:instancePath+"/requestHeaders/set/" + i16,schemaPath:"#/properties/requestHeaders/properties/set/items/required",keyword:"required",params:{missingProperty: missing20},message:"must have required property '"+missing20+"'"}];
return false;
}
else {
const _errs247 = errors;
for(const key22 in data101){
if(!((key22 === "name") || (key22 === "value"))){
validate22.errors = [{instancePath:instancePath+"/requestHeaders/set/" + i16,schemaPath:"#/properties/requestHeaders/properties/set/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key22},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs247 === errors){
if(data101.name !== undefined){
const _errs248 = errors;
if(typeof data101.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/requestHeaders/set/" + i16+"/name",schemaPath:"#/properties/requestHeaders/properties/set/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid43 = _errs248 === errors;
}
else {
var valid43 = true;
}
if(valid43){
if(data101.value !== undefined){
const _errs250 = errors;
if(typeof data101.value !== "string"){
validate22.errors = [{instancePath:instancePath+"/requestHeaders/set/" + i16+"/value",schemaPath:"#/properties/requestHeaders/properties/set/items/properties/value/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid43 = _errs250 === errors;
}
else {
var valid43 = true;
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/requestHeaders/set/" + i16,schemaPath:"#/properties/requestHeaders/properties/set/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid42 = _errs245 === errors;
if(!valid42){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/requestHeaders/set",schemaPath:"#/properties/requestHeaders/properties/set/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid39 = _errs243 === errors;
}
else {
var valid39 = true;
}
if(valid39){
if(data95.remove !== undefined){
let data104 = data95.remove;
const _errs252 = errors;
if(errors === _errs252){
if(Array.isArray(data104)){
var valid44 = true;
const len17 = data104.length;
for(let i17=0; i17<len17; i17++){
const _errs254 = errors;
if(typeof data104[i17] !== "string"){
validate22.errors = [{instancePath:instancePath+"/requestHeaders/remove/" + i17,schemaPath:"#/properties/requestHeaders/properties/remove/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid44 = _errs254 === errors;
if(!valid44){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/requestHeaders/remove",schemaPath:"#/properties/requestHeaders/properties/remove/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid39 = _errs252 === errors;
}
else {
var valid39 = true;
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/requestHeaders",schemaPath:"#/properties/requestHeaders/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs231 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.responseHeaders !== undefined){
let data106 = data.responseHeaders;
const _errs256 = errors;
if(errors === _errs256){
if(data106 && typeof data106 == "object" && !Array.isArray(data106)){
let missing21;
if((((data106.add === undefined) && (missing21 = "add")) || ((data106.set === undefined) && (missing21 = "set"))) || ((data106.remove === undefined) && (missing21 = "remove"))){
validate22.errors = [{instancePath:instancePath+"/responseHeaders",schemaPath:"#/properties/responseHeaders/required",keyword:"required",params:{missingProperty: missing21},message:"must have required property '"+missing21+"'"}];
return false;
}
else {
const _errs258 = errors;
for(const key23 in data106){
if(!(((key23 === "add") || (key23 === "set")) || (key23 === "remove"))){
validate22.errors = [{instancePath:instancePath+"/responseHeaders",schemaPath:"#/properties/responseHeaders/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key23},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs258 === errors){
if(data106.add !== undefined){
let data107 = data106.add;
const _errs259 = errors;
if(errors === _errs259){
if(Array.isArray(data107)){
var valid46 = true;
const len18 = data107.length;
for(let i18=0; i18<len18; i18++){
let data108 = data107[i18];
const _errs261 = errors;
if(errors === _errs261){
if(data108 && typeof data108 == "object" && !Array.isArray(data108)){
let missing22;
if(((data108.name === undefined) && (missing22 = "name")) || ((data108.value === undefined) && (missing22 = "value"))){
validate22.errors = [{instancePath:instancePath+"/responseHeaders/add/" + i18,schemaPath:"#/properties/responseHeaders/properties/add/items/required",keyword:"required",params:{missingProperty: missing22},message:"must have required property '"+missing22+"'"}];
return false;
}
else {
const _errs263 = errors;
for(const key24 in data108){
if(!((key24 === "name") || (key24 === "value"))){
validate22.errors = [{instancePath:instancePath+"/responseHeaders/add/" + i18,schemaPath:"#/properties/responseHeaders/properties/add/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key24},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs263 === errors){
if(data108.name !== undefined){
const _errs264 = errors;
if(typeof data108.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/responseHeaders/add/" + i18+"/name",schemaPath:"#/properties/responseHeaders/properties/add/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid47 = _errs264 === errors;
}
else {
var valid47 = true;
}
if(valid47){
if(data108.value !== undefined){
const _errs266 = errors;
if(typeof data108.value !== "string"){
validate22.errors = [{instancePath:instancePath+"/responseHeaders/add/" + i18+"/value",schemaPath:"#/properties/responseHeaders/properties/add/items/properties/value/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid47 = _errs266 === errors;
}
else {
var valid47 = true;
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/responseHeaders/add/" + i18,schemaPath:"#/properties/responseHeaders/properties/add/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid46 = _errs261 === errors;
if(!valid46){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/responseHeaders/add",schemaPath:"#/properties/responseHeaders/properties/add/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid45 = _errs259 === errors;
}
else {
var valid45 = true;
}
if(valid45){
if(data106.set !== undefined){
let data111 = data106.set;
const _errs268 = errors;
if(errors === _errs268){
if(Array.isArray(data111)){
var valid48 = true;
const len19 = data111.length;
for(let i19=0; i19<len19; i19++){
let data112 = data111[i19];
const _errs270 = errors;
if(errors === _errs270){
if(data112 && typeof data112 == "object" && !Array.isArray(data112)){
let missing23;
if(((data112.name === undefined) && (missing23 = "name")) || ((data112.value === undefined) && (missing23 = "value"))){
validate22.errors = [{instancePath:instancePath+"/responseHeaders/set/" + i19,schemaPath:"#/properties/responseHeaders/properties/set/items/required",keyword:"required",params:{missingProperty: missing23},message:"must have required property '"+missing23+"'"}];
return false;
}
else {
const _errs272 = errors;
for(const key25 in data112){
if(!((key25 === "name") || (key25 === "value"))){
validate22.errors = [{instancePath:instancePath+"/responseHeaders/set/" + i19,schemaPath:"#/properties/responseHeaders/properties/set/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key25},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs272 === errors){
if(data112.name !== undefined){
const _errs273 = errors;
if(typeof data112.name !== "string"){
validate22.errors = [{instancePath:instancePath+"/responseHeaders/set/" + i19+"/name",schemaPath:"#/properties/responseHeaders/properties/set/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid49 = _errs273 === errors;
}
else {
var valid49 = true;
}
if(valid49){
if(data112.value !== undefined){
const _errs275 = errors;
if(typeof data112.value !== "string"){
validate22.errors = [{instancePath:instancePath+"/responseHeaders/set/" + i19+"/value",schemaPath:"#/properties/responseHeaders/properties/set/items/properties/value/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid49 = _errs275 === errors;
}
else {
var valid49 = true;
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/responseHeaders/set/" + i19,schemaPath:"#/properties/responseHeaders/properties/set/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid48 = _errs270 === errors;
if(!valid48){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/responseHeaders/set",schemaPath:"#/properties/responseHeaders/properties/set/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid45 = _errs268 === errors;
}
else {
var valid45 = true;
}
if(valid45){
if(data106.remove !== undefined){
let data115 = data106.remove;
const _errs277 = errors;
if(errors === _errs277){
if(Array.isArray(data115)){
var valid50 = true;
const len20 = data115.length;
for(let i20=0; i20<len20; i20++){
const _errs279 = errors;
if(typeof data115[i20] !== "string"){
validate22.errors = [{instancePath:instancePath+"/responseHeaders/remove/" + i20,schemaPath:"#/properties/responseHeaders/properties/remove/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid50 = _errs279 === errors;
if(!valid50){
break;
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/responseHeaders/remove",schemaPath:"#/properties/responseHeaders/properties/remove/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid45 = _errs277 === errors;
}
else {
var valid45 = true;
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/responseHeaders",schemaPath:"#/properties/responseHeaders/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs256 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.rateLimit !== undefined){
let data117 = data.rateLimit;
const _errs281 = errors;
if(errors === _errs281){
if(data117 && typeof data117 == "object" && !Array.isArray(data117)){
let missing24;
if(((((data117.requests === undefined) && (missing24 = "requests")) || ((data117.periodMs === undefined) && (missing24 = "periodMs"))) || ((data117.key === undefined) && (missing24 = "key"))) || ((data117.status === undefined) && (missing24 = "status"))){
validate22.errors = [{instancePath:instancePath+"/rateLimit",schemaPath:"#/properties/rateLimit/required",keyword:"required",params:{missingProperty: missing24},message:"must have required property '"+missing24+"'"}];
return false;
}
else {
const _errs283 = errors;
for(const key26 in data117){
if(!((((key26 === "requests") || (key26 === "periodMs")) || (key26 === "key")) || (key26 === "status"))){
validate22.errors = [{instancePath:instancePath+"/rateLimit",schemaPath:"#/properties/rateLimit/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key26},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs283 === errors){
if(data117.requests !== undefined){
let data118 = data117.requests;
const _errs284 = errors;
if(!(((typeof data118 == "number") && (!(data118 % 1) && !isNaN(data118))) && (isFinite(data118)))){
validate22.errors = [{instancePath:instancePath+"/rateLimit/requests",schemaPath:"#/properties/rateLimit/properties/requests/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid51 = _errs284 === errors;
}
else {
var valid51 = true;
}
if(valid51){
if(data117.periodMs !== undefined){
let data119 = data117.periodMs;
const _errs286 = errors;
if(!(((typeof data119 == "number") && (!(data119 % 1) && !isNaN(data119))) && (isFinite(data119)))){
validate22.errors = [{instancePath:instancePath+"/rateLimit/periodMs",schemaPath:"#/properties/rateLimit/properties/periodMs/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs286){
if((typeof data119 == "number") && (isFinite(data119))){
if(data119 < 0 || isNaN(data119)){
validate22.errors = [{instancePath:instancePath+"/rateLimit/periodMs",schemaPath:"#/properties/rateLimit/properties/periodMs/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid51 = _errs286 === errors;
}
else {
var valid51 = true;
}
if(valid51){
if(data117.key !== undefined){
let data120 = data117.key;
const _errs288 = errors;
if(typeof data120 !== "string"){
validate22.errors = [{instancePath:instancePath+"/rateLimit/key",schemaPath:"#/properties/rateLimit/properties/key/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
if("source" !== data120){
validate22.errors = [{instancePath:instancePath+"/rateLimit/key",schemaPath:"#/properties/rateLimit/properties/key/const",keyword:"const",params:{allowedValue: "source"},message:"must be equal to constant"}];
return false;
}
var valid51 = _errs288 === errors;
}
else {
var valid51 = true;
}
if(valid51){
if(data117.status !== undefined){
let data121 = data117.status;
const _errs290 = errors;
if(!(((typeof data121 == "number") && (!(data121 % 1) && !isNaN(data121))) && (isFinite(data121)))){
validate22.errors = [{instancePath:instancePath+"/rateLimit/status",schemaPath:"#/properties/rateLimit/properties/status/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid51 = _errs290 === errors;
}
else {
var valid51 = true;
}
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/rateLimit",schemaPath:"#/properties/rateLimit/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs281 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.connectionLimit !== undefined){
let data122 = data.connectionLimit;
const _errs292 = errors;
if(errors === _errs292){
if(data122 && typeof data122 == "object" && !Array.isArray(data122)){
let missing25;
if(((data122.perSource === undefined) && (missing25 = "perSource")) || ((data122.status === undefined) && (missing25 = "status"))){
validate22.errors = [{instancePath:instancePath+"/connectionLimit",schemaPath:"#/properties/connectionLimit/required",keyword:"required",params:{missingProperty: missing25},message:"must have required property '"+missing25+"'"}];
return false;
}
else {
const _errs294 = errors;
for(const key27 in data122){
if(!((key27 === "perSource") || (key27 === "status"))){
validate22.errors = [{instancePath:instancePath+"/connectionLimit",schemaPath:"#/properties/connectionLimit/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key27},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs294 === errors){
if(data122.perSource !== undefined){
let data123 = data122.perSource;
const _errs295 = errors;
if(!(((typeof data123 == "number") && (!(data123 % 1) && !isNaN(data123))) && (isFinite(data123)))){
validate22.errors = [{instancePath:instancePath+"/connectionLimit/perSource",schemaPath:"#/properties/connectionLimit/properties/perSource/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid52 = _errs295 === errors;
}
else {
var valid52 = true;
}
if(valid52){
if(data122.status !== undefined){
let data124 = data122.status;
const _errs297 = errors;
if(!(((typeof data124 == "number") && (!(data124 % 1) && !isNaN(data124))) && (isFinite(data124)))){
validate22.errors = [{instancePath:instancePath+"/connectionLimit/status",schemaPath:"#/properties/connectionLimit/properties/status/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid52 = _errs297 === errors;
}
else {
var valid52 = true;
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/connectionLimit",schemaPath:"#/properties/connectionLimit/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs292 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.listener !== undefined){
let data125 = data.listener;
const _errs299 = errors;
if(errors === _errs299){
if(data125 && typeof data125 == "object" && !Array.isArray(data125)){
let missing26;
if((((data125.owner === undefined) && (missing26 = "owner")) || ((data125.hosts === undefined) && (missing26 = "hosts"))) || ((data125.defaultHosts === undefined) && (missing26 = "defaultHosts"))){
validate22.errors = [{instancePath:instancePath+"/listener",schemaPath:"#/properties/listener/required",keyword:"required",params:{missingProperty: missing26},message:"must have required property '"+missing26+"'"}];
return false;
}
else {
const _errs301 = errors;
for(const key28 in data125){
if(!((((key28 === "owner") || (key28 === "members")) || (key28 === "hosts")) || (key28 === "defaultHosts"))){
validate22.errors = [{instancePath:instancePath+"/listener",schemaPath:"#/properties/listener/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key28},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs301 === errors){
if(data125.owner !== undefined){
const _errs302 = errors;
if(typeof data125.owner !== "string"){
validate22.errors = [{instancePath:instancePath+"/listener/owner",schemaPath:"#/properties/listener/properties/owner/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid53 = _errs302 === errors;
}
else {
var valid53 = true;
}
if(valid53){
if(data125.members !== undefined){
let data127 = data125.members;
const _errs304 = errors;
if(errors === _errs304){
if(Array.isArray(data127)){
if(data127.length > 10000){
validate22.errors = [{instancePath:instancePath+"/listener/members",schemaPath:"#/properties/listener/properties/members/maxItems",keyword:"maxItems",params:{limit: 10000},message:"must NOT have more than 10000 items"}];
return false;
}
else {
var valid54 = true;
const len21 = data127.length;
for(let i21=0; i21<len21; i21++){
const _errs306 = errors;
if(typeof data127[i21] !== "string"){
validate22.errors = [{instancePath:instancePath+"/listener/members/" + i21,schemaPath:"#/properties/listener/properties/members/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid54 = _errs306 === errors;
if(!valid54){
break;
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/listener/members",schemaPath:"#/properties/listener/properties/members/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid53 = _errs304 === errors;
}
else {
var valid53 = true;
}
if(valid53){
if(data125.hosts !== undefined){
let data129 = data125.hosts;
const _errs308 = errors;
if(errors === _errs308){
if(Array.isArray(data129)){
if(data129.length > 100000){
validate22.errors = [{instancePath:instancePath+"/listener/hosts",schemaPath:"#/properties/listener/properties/hosts/maxItems",keyword:"maxItems",params:{limit: 100000},message:"must NOT have more than 100000 items"}];
return false;
}
else {
var valid55 = true;
const len22 = data129.length;
for(let i22=0; i22<len22; i22++){
const _errs310 = errors;
if(typeof data129[i22] !== "string"){
validate22.errors = [{instancePath:instancePath+"/listener/hosts/" + i22,schemaPath:"#/properties/listener/properties/hosts/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid55 = _errs310 === errors;
if(!valid55){
break;
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/listener/hosts",schemaPath:"#/properties/listener/properties/hosts/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid53 = _errs308 === errors;
}
else {
var valid53 = true;
}
if(valid53){
if(data125.defaultHosts !== undefined){
let data131 = data125.defaultHosts;
const _errs312 = errors;
if(errors === _errs312){
if(Array.isArray(data131)){
if(data131.length > 100000){
validate22.errors = [{instancePath:instancePath+"/listener/defaultHosts",schemaPath:"#/properties/listener/properties/defaultHosts/maxItems",keyword:"maxItems",params:{limit: 100000},message:"must NOT have more than 100000 items"}];
return false;
}
else {
var valid56 = true;
const len23 = data131.length;
for(let i23=0; i23<len23; i23++){
const _errs314 = errors;
if(typeof data131[i23] !== "string"){
validate22.errors = [{instancePath:instancePath+"/listener/defaultHosts/" + i23,schemaPath:"#/properties/listener/properties/defaultHosts/items/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid56 = _errs314 === errors;
if(!valid56){
break;
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/listener/defaultHosts",schemaPath:"#/properties/listener/properties/defaultHosts/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid53 = _errs312 === errors;
}
else {
var valid53 = true;
}
}
}
}
}
}
}
else {
validate22.errors = [{instancePath:instancePath+"/listener",schemaPath:"#/properties/listener/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs299 === errors;
}
else {
var valid0 = true;
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
else {
validate22.errors = [{instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
validate22.errors = vErrors;
return errors === 0;
}

const schema8 = {"additionalProperties":false,"type":"object","required":["id","namespace","name","mode","balance","allBackups","servers","timeouts","retries","keepAlive","slowStartMs"],"properties":{"id":{"type":"string"},"namespace":{"type":"string"},"name":{"type":"string"},"mode":{"anyOf":[{"const":"http","type":"string"},{"const":"tcp","type":"string"}]},"balance":{"additionalProperties":false,"type":"object","required":["algorithm","hashType"],"properties":{"algorithm":{"anyOf":[{"const":"roundrobin","type":"string"},{"const":"static-rr","type":"string"},{"const":"leastconn","type":"string"},{"const":"first","type":"string"},{"const":"source","type":"string"},{"const":"uri","type":"string"},{"const":"url-param","type":"string"},{"const":"header","type":"string"},{"const":"random","type":"string"}]},"hashKey":{"type":"string"},"hashType":{"anyOf":[{"const":"map-based","type":"string"},{"const":"consistent","type":"string"}]}}},"allBackups":{"type":"boolean"},"servers":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name","address","port","weight","backup","state","cookie","source"],"properties":{"name":{"type":"string"},"address":{"type":"string"},"port":{"type":"integer"},"weight":{"type":"integer"},"backup":{"type":"boolean"},"maxConnections":{"type":"integer"},"state":{"anyOf":[{"const":"ready","type":"string"},{"const":"drain","type":"string"},{"const":"maintenance","type":"string"}]},"cookie":{"type":"string"},"checkPort":{"type":"integer"},"source":{"anyOf":[{"const":"static","type":"string"},{"const":"service","type":"string"}]}}}},"health":{"additionalProperties":false,"type":"object","required":["policy","intervalMs","fastIntervalMs","downIntervalMs","timeoutMs","rise","fall","initialState"],"properties":{"policy":{"type":"string"},"intervalMs":{"minimum":0,"type":"integer"},"fastIntervalMs":{"minimum":0,"type":"integer"},"downIntervalMs":{"minimum":0,"type":"integer"},"timeoutMs":{"minimum":0,"type":"integer"},"rise":{"type":"integer"},"fall":{"type":"integer"},"port":{"type":"integer"},"initialState":{"anyOf":[{"const":"up","type":"string"},{"const":"down","type":"string"}]},"http":{"additionalProperties":false,"type":"object","required":["method","path","headers","expect"],"properties":{"method":{"type":"string"},"path":{"type":"string"},"host":{"type":"string"},"headers":{"type":"array","items":{"additionalProperties":false,"type":"object","required":["name","value"],"properties":{"name":{"type":"string"},"value":{"type":"string"}}}},"expect":{"additionalProperties":false,"type":"object","properties":{"status":{"type":"array","items":{"type":"integer"}},"statusRange":{"type":"string"},"statusRegex":{"type":"string"},"bodyContains":{"type":"string"},"bodyRegex":{"type":"string"}}}}},"passive":{"additionalProperties":false,"type":"object","required":["consecutiveErrors","onError","observe"],"properties":{"consecutiveErrors":{"type":"integer"},"onError":{"anyOf":[{"const":"fastinter","type":"string"},{"const":"fail-check","type":"string"},{"const":"sudden-death","type":"string"},{"const":"mark-down","type":"string"}]},"observe":{"anyOf":[{"const":"layer4","type":"string"},{"const":"layer7","type":"string"}]}}}}},"persistence":{"additionalProperties":false,"type":"object","properties":{"cookie":{"additionalProperties":false,"type":"object","required":["name","mode","indirect","nocache","httpOnly","secure","path"],"properties":{"name":{"type":"string"},"mode":{"anyOf":[{"const":"insert","type":"string"},{"const":"rewrite","type":"string"},{"const":"prefix","type":"string"}]},"indirect":{"type":"boolean"},"nocache":{"type":"boolean"},"httpOnly":{"type":"boolean"},"secure":{"type":"boolean"},"sameSite":{"type":"string"},"maxAgeMs":{"minimum":0,"type":"integer"},"domain":{"type":"string"},"path":{"type":"string"}}},"source":{"additionalProperties":false,"type":"object","required":["expireMs"],"properties":{"expireMs":{"minimum":0,"type":"integer"}}}}},"timeouts":{"additionalProperties":false,"type":"object","required":["connect","server","queue","tunnel"],"properties":{"connect":{"minimum":0,"type":"integer"},"server":{"minimum":0,"type":"integer"},"queue":{"minimum":0,"type":"integer"},"tunnel":{"minimum":0,"type":"integer"}}},"retries":{"additionalProperties":false,"type":"object","required":["attempts","redispatch","onResponseTimeout"],"properties":{"attempts":{"type":"integer"},"redispatch":{"type":"boolean"},"onResponseTimeout":{"type":"boolean"}}},"maxQueue":{"type":"integer"},"keepAlive":{"type":"boolean"},"slowStartMs":{"minimum":0,"type":"integer"},"tls":{"additionalProperties":false,"type":"object","required":["insecureSkipVerify"],"properties":{"caPem":{"type":"string"},"sni":{"type":"string"},"insecureSkipVerify":{"type":"boolean"},"clientCertPem":{"type":"string"},"clientKeyPem":{"type":"string"}}}}};

function validate24(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(errors === 0){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing0;
if((((((((((((data.id === undefined) && (missing0 = "id")) || ((data.namespace === undefined) && (missing0 = "namespace"))) || ((data.name === undefined) && (missing0 = "name"))) || ((data.mode === undefined) && (missing0 = "mode"))) || ((data.balance === undefined) && (missing0 = "balance"))) || ((data.allBackups === undefined) && (missing0 = "allBackups"))) || ((data.servers === undefined) && (missing0 = "servers"))) || ((data.timeouts === undefined) && (missing0 = "timeouts"))) || ((data.retries === undefined) && (missing0 = "retries"))) || ((data.keepAlive === undefined) && (missing0 = "keepAlive"))) || ((data.slowStartMs === undefined) && (missing0 = "slowStartMs"))){
validate24.errors = [{instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: missing0},message:"must have required property '"+missing0+"'"}];
return false;
}
else {
const _errs1 = errors;
for(const key0 in data){
if(!(func2.call(schema8.properties, key0))){
validate24.errors = [{instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs1 === errors){
if(data.id !== undefined){
const _errs2 = errors;
if(typeof data.id !== "string"){
validate24.errors = [{instancePath:instancePath+"/id",schemaPath:"#/properties/id/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid0 = _errs2 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.namespace !== undefined){
const _errs4 = errors;
if(typeof data.namespace !== "string"){
validate24.errors = [{instancePath:instancePath+"/namespace",schemaPath:"#/properties/namespace/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid0 = _errs4 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.name !== undefined){
const _errs6 = errors;
if(typeof data.name !== "string"){
validate24.errors = [{instancePath:instancePath+"/name",schemaPath:"#/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid0 = _errs6 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.mode !== undefined){
let data3 = data.mode;
const _errs8 = errors;
const _errs9 = errors;
let valid1 = false;
const _errs10 = errors;
if(typeof data3 !== "string"){
const err0 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if("http" !== data3){
const err1 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/anyOf/0/const",keyword:"const",params:{allowedValue: "http"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
var _valid0 = _errs10 === errors;
valid1 = valid1 || _valid0;
if(!valid1){
const _errs12 = errors;
if(typeof data3 !== "string"){
const err2 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if("tcp" !== data3){
const err3 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/anyOf/1/const",keyword:"const",params:{allowedValue: "tcp"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
var _valid0 = _errs12 === errors;
valid1 = valid1 || _valid0;
}
if(!valid1){
const err4 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
validate24.errors = vErrors;
return false;
}
else {
errors = _errs9;
if(vErrors !== null){
if(_errs9){
vErrors.length = _errs9;
}
else {
vErrors = null;
}
}
}
var valid0 = _errs8 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.balance !== undefined){
let data4 = data.balance;
const _errs14 = errors;
if(errors === _errs14){
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
let missing1;
if(((data4.algorithm === undefined) && (missing1 = "algorithm")) || ((data4.hashType === undefined) && (missing1 = "hashType"))){
validate24.errors = [{instancePath:instancePath+"/balance",schemaPath:"#/properties/balance/required",keyword:"required",params:{missingProperty: missing1},message:"must have required property '"+missing1+"'"}];
return false;
}
else {
const _errs16 = errors;
for(const key1 in data4){
if(!(((key1 === "algorithm") || (key1 === "hashKey")) || (key1 === "hashType"))){
validate24.errors = [{instancePath:instancePath+"/balance",schemaPath:"#/properties/balance/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs16 === errors){
if(data4.algorithm !== undefined){
let data5 = data4.algorithm;
const _errs17 = errors;
const _errs18 = errors;
let valid3 = false;
const _errs19 = errors;
if(typeof data5 !== "string"){
const err5 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if("roundrobin" !== data5){
const err6 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/0/const",keyword:"const",params:{allowedValue: "roundrobin"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
var _valid1 = _errs19 === errors;
valid3 = valid3 || _valid1;
if(!valid3){
const _errs21 = errors;
if(typeof data5 !== "string"){
const err7 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if("static-rr" !== data5){
const err8 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/1/const",keyword:"const",params:{allowedValue: "static-rr"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
var _valid1 = _errs21 === errors;
valid3 = valid3 || _valid1;
if(!valid3){
const _errs23 = errors;
if(typeof data5 !== "string"){
const err9 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/2/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if("leastconn" !== data5){
const err10 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/2/const",keyword:"const",params:{allowedValue: "leastconn"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
var _valid1 = _errs23 === errors;
valid3 = valid3 || _valid1;
if(!valid3){
const _errs25 = errors;
if(typeof data5 !== "string"){
const err11 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/3/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
if("first" !== data5){
const err12 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/3/const",keyword:"const",params:{allowedValue: "first"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
var _valid1 = _errs25 === errors;
valid3 = valid3 || _valid1;
if(!valid3){
const _errs27 = errors;
if(typeof data5 !== "string"){
const err13 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/4/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
if("source" !== data5){
const err14 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/4/const",keyword:"const",params:{allowedValue: "source"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
var _valid1 = _errs27 === errors;
valid3 = valid3 || _valid1;
if(!valid3){
const _errs29 = errors;
if(typeof data5 !== "string"){
const err15 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/5/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if("uri" !== data5){
const err16 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/5/const",keyword:"const",params:{allowedValue: "uri"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
var _valid1 = _errs29 === errors;
valid3 = valid3 || _valid1;
if(!valid3){
const _errs31 = errors;
if(typeof data5 !== "string"){
const err17 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/6/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
if("url-param" !== data5){
const err18 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/6/const",keyword:"const",params:{allowedValue: "url-param"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
var _valid1 = _errs31 === errors;
valid3 = valid3 || _valid1;
if(!valid3){
const _errs33 = errors;
if(typeof data5 !== "string"){
const err19 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/7/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
if("header" !== data5){
const err20 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/7/const",keyword:"const",params:{allowedValue: "header"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
var _valid1 = _errs33 === errors;
valid3 = valid3 || _valid1;
if(!valid3){
const _errs35 = errors;
if(typeof data5 !== "string"){
const err21 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/8/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
if("random" !== data5){
const err22 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf/8/const",keyword:"const",params:{allowedValue: "random"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
var _valid1 = _errs35 === errors;
valid3 = valid3 || _valid1;
}
}
}
}
}
}
}
}
if(!valid3){
const err23 = {instancePath:instancePath+"/balance/algorithm",schemaPath:"#/properties/balance/properties/algorithm/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
validate24.errors = vErrors;
return false;
}
else {
errors = _errs18;
if(vErrors !== null){
if(_errs18){
vErrors.length = _errs18;
}
else {
vErrors = null;
}
}
}
var valid2 = _errs17 === errors;
}
else {
var valid2 = true;
}
if(valid2){
if(data4.hashKey !== undefined){
const _errs37 = errors;
if(typeof data4.hashKey !== "string"){
validate24.errors = [{instancePath:instancePath+"/balance/hashKey",schemaPath:"#/properties/balance/properties/hashKey/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid2 = _errs37 === errors;
}
else {
var valid2 = true;
}
if(valid2){
if(data4.hashType !== undefined){
let data7 = data4.hashType;
const _errs39 = errors;
const _errs40 = errors;
let valid4 = false;
const _errs41 = errors;
if(typeof data7 !== "string"){
const err24 = {instancePath:instancePath+"/balance/hashType",schemaPath:"#/properties/balance/properties/hashType/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if("map-based" !== data7){
const err25 = {instancePath:instancePath+"/balance/hashType",schemaPath:"#/properties/balance/properties/hashType/anyOf/0/const",keyword:"const",params:{allowedValue: "map-based"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
var _valid2 = _errs41 === errors;
valid4 = valid4 || _valid2;
if(!valid4){
const _errs43 = errors;
if(typeof data7 !== "string"){
const err26 = {instancePath:instancePath+"/balance/hashType",schemaPath:"#/properties/balance/properties/hashType/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
if("consistent" !== data7){
const err27 = {instancePath:instancePath+"/balance/hashType",schemaPath:"#/properties/balance/properties/hashType/anyOf/1/const",keyword:"const",params:{allowedValue: "consistent"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
var _valid2 = _errs43 === errors;
valid4 = valid4 || _valid2;
}
if(!valid4){
const err28 = {instancePath:instancePath+"/balance/hashType",schemaPath:"#/properties/balance/properties/hashType/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
validate24.errors = vErrors;
return false;
}
else {
errors = _errs40;
if(vErrors !== null){
if(_errs40){
vErrors.length = _errs40;
}
else {
vErrors = null;
}
}
}
var valid2 = _errs39 === errors;
}
else {
var valid2 = true;
}
}
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/balance",schemaPath:"#/properties/balance/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs14 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.allBackups !== undefined){
const _errs45 = errors;
if(typeof data.allBackups !== "boolean"){
validate24.errors = [{instancePath:instancePath+"/allBackups",schemaPath:"#/properties/allBackups/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid0 = _errs45 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.servers !== undefined){
let data9 = data.servers;
const _errs47 = errors;
if(errors === _errs47){
if(Array.isArray(data9)){
var valid5 = true;
const len0 = data9.length;
for(let i0=0; i0<len0; i0++){
let data10 = data9[i0];
const _errs49 = errors;
if(errors === _errs49){
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
let missing2;
if(((((((((data10.name === undefined) && (missing2 = "name")) || ((data10.address === undefined) && (missing2 = "address"))) || ((data10.port === undefined) && (missing2 = "port"))) || ((data10.weight === undefined) && (missing2 = "weight"))) || ((data10.backup === undefined) && (missing2 = "backup"))) || ((data10.state === undefined) && (missing2 = "state"))) || ((data10.cookie === undefined) && (missing2 = "cookie"))) || ((data10.source === undefined) && (missing2 = "source"))){
validate24.errors = [{instancePath:instancePath+"/servers/" + i0,schemaPath:"#/properties/servers/items/required",keyword:"required",params:{missingProperty: missing2},message:"must have required property '"+missing2+"'"}];
return false;
}
else {
const _errs51 = errors;
for(const key2 in data10){
if(!(func2.call(schema8.properties.servers.items.properties, key2))){
validate24.errors = [{instancePath:instancePath+"/servers/" + i0,schemaPath:"#/properties/servers/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs51 === errors){
if(data10.name !== undefined){
const _errs52 = errors;
if(typeof data10.name !== "string"){
validate24.errors = [{instancePath:instancePath+"/servers/" + i0+"/name",schemaPath:"#/properties/servers/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid6 = _errs52 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data10.address !== undefined){
const _errs54 = errors;
if(typeof data10.address !== "string"){
validate24.errors = [{instancePath:instancePath+"/servers/" + i0+"/address",schemaPath:"#/properties/servers/items/properties/address/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid6 = _errs54 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data10.port !== undefined){
let data13 = data10.port;
const _errs56 = errors;
if(!(((typeof data13 == "number") && (!(data13 % 1) && !isNaN(data13))) && (isFinite(data13)))){
validate24.errors = [{instancePath:instancePath+"/servers/" + i0+"/port",schemaPath:"#/properties/servers/items/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid6 = _errs56 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data10.weight !== undefined){
let data14 = data10.weight;
const _errs58 = errors;
if(!(((typeof data14 == "number") && (!(data14 % 1) && !isNaN(data14))) && (isFinite(data14)))){
validate24.errors = [{instancePath:instancePath+"/servers/" + i0+"/weight",schemaPath:"#/properties/servers/items/properties/weight/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid6 = _errs58 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data10.backup !== undefined){
const _errs60 = errors;
if(typeof data10.backup !== "boolean"){
validate24.errors = [{instancePath:instancePath+"/servers/" + i0+"/backup",schemaPath:"#/properties/servers/items/properties/backup/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid6 = _errs60 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data10.maxConnections !== undefined){
let data16 = data10.maxConnections;
const _errs62 = errors;
if(!(((typeof data16 == "number") && (!(data16 % 1) && !isNaN(data16))) && (isFinite(data16)))){
validate24.errors = [{instancePath:instancePath+"/servers/" + i0+"/maxConnections",schemaPath:"#/properties/servers/items/properties/maxConnections/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid6 = _errs62 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data10.state !== undefined){
let data17 = data10.state;
const _errs64 = errors;
const _errs65 = errors;
let valid7 = false;
const _errs66 = errors;
if(typeof data17 !== "string"){
const err29 = {instancePath:instancePath+"/servers/" + i0+"/state",schemaPath:"#/properties/servers/items/properties/state/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
if("ready" !== data17){
const err30 = {instancePath:instancePath+"/servers/" + i0+"/state",schemaPath:"#/properties/servers/items/properties/state/anyOf/0/const",keyword:"const",params:{allowedValue: "ready"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
var _valid3 = _errs66 === errors;
valid7 = valid7 || _valid3;
if(!valid7){
const _errs68 = errors;
if(typeof data17 !== "string"){
const err31 = {instancePath:instancePath+"/servers/" + i0+"/state",schemaPath:"#/properties/servers/items/properties/state/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
if("drain" !== data17){
const err32 = {instancePath:instancePath+"/servers/" + i0+"/state",schemaPath:"#/properties/servers/items/properties/state/anyOf/1/const",keyword:"const",params:{allowedValue: "drain"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
var _valid3 = _errs68 === errors;
valid7 = valid7 || _valid3;
if(!valid7){
const _errs70 = errors;
if(typeof data17 !== "string"){
const err33 = {instancePath:instancePath+"/servers/" + i0+"/state",schemaPath:"#/properties/servers/items/properties/state/anyOf/2/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
if("maintenance" !== data17){
const err34 = {instancePath:instancePath+"/servers/" + i0+"/state",schemaPath:"#/properties/servers/items/properties/state/anyOf/2/const",keyword:"const",params:{allowedValue: "maintenance"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
var _valid3 = _errs70 === errors;
valid7 = valid7 || _valid3;
}
}
if(!valid7){
const err35 = {instancePath:instancePath+"/servers/" + i0+"/state",schemaPath:"#/properties/servers/items/properties/state/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
validate24.errors = vErrors;
return false;
}
else {
errors = _errs65;
if(vErrors !== null){
if(_errs65){
vErrors.length = _errs65;
}
else {
vErrors = null;
}
}
}
var valid6 = _errs64 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data10.cookie !== undefined){
const _errs72 = errors;
if(typeof data10.cookie !== "string"){
validate24.errors = [{instancePath:instancePath+"/servers/" + i0+"/cookie",schemaPath:"#/properties/servers/items/properties/cookie/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid6 = _errs72 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data10.checkPort !== undefined){
let data19 = data10.checkPort;
const _errs74 = errors;
if(!(((typeof data19 == "number") && (!(data19 % 1) && !isNaN(data19))) && (isFinite(data19)))){
validate24.errors = [{instancePath:instancePath+"/servers/" + i0+"/checkPort",schemaPath:"#/properties/servers/items/properties/checkPort/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid6 = _errs74 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data10.source !== undefined){
let data20 = data10.source;
const _errs76 = errors;
const _errs77 = errors;
let valid8 = false;
const _errs78 = errors;
if(typeof data20 !== "string"){
const err36 = {instancePath:instancePath+"/servers/" + i0+"/source",schemaPath:"#/properties/servers/items/properties/source/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
if("static" !== data20){
const err37 = {instancePath:instancePath+"/servers/" + i0+"/source",schemaPath:"#/properties/servers/items/properties/source/anyOf/0/const",keyword:"const",params:{allowedValue: "static"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
var _valid4 = _errs78 === errors;
valid8 = valid8 || _valid4;
if(!valid8){
const _errs80 = errors;
if(typeof data20 !== "string"){
const err38 = {instancePath:instancePath+"/servers/" + i0+"/source",schemaPath:"#/properties/servers/items/properties/source/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
if("service" !== data20){
const err39 = {instancePath:instancePath+"/servers/" + i0+"/source",schemaPath:"#/properties/servers/items/properties/source/anyOf/1/const",keyword:"const",params:{allowedValue: "service"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
var _valid4 = _errs80 === errors;
valid8 = valid8 || _valid4;
}
if(!valid8){
const err40 = {instancePath:instancePath+"/servers/" + i0+"/source",schemaPath:"#/properties/servers/items/properties/source/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
validate24.errors = vErrors;
return false;
}
else {
errors = _errs77;
if(vErrors !== null){
if(_errs77){
vErrors.length = _errs77;
}
else {
vErrors = null;
}
}
}
var valid6 = _errs76 === errors;
}
else {
var valid6 = true;
}
}
}
}
}
}
}
}
}
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/servers/" + i0,schemaPath:"#/properties/servers/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid5 = _errs49 === errors;
if(!valid5){
break;
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/servers",schemaPath:"#/properties/servers/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid0 = _errs47 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.health !== undefined){
let data21 = data.health;
const _errs82 = errors;
if(errors === _errs82){
if(data21 && typeof data21 == "object" && !Array.isArray(data21)){
let missing3;
if(((((((((data21.policy === undefined) && (missing3 = "policy")) || ((data21.intervalMs === undefined) && (missing3 = "intervalMs"))) || ((data21.fastIntervalMs === undefined) && (missing3 = "fastIntervalMs"))) || ((data21.downIntervalMs === undefined) && (missing3 = "downIntervalMs"))) || ((data21.timeoutMs === undefined) && (missing3 = "timeoutMs"))) || ((data21.rise === undefined) && (missing3 = "rise"))) || ((data21.fall === undefined) && (missing3 = "fall"))) || ((data21.initialState === undefined) && (missing3 = "initialState"))){
validate24.errors = [{instancePath:instancePath+"/health",schemaPath:"#/properties/health/required",keyword:"required",params:{missingProperty: missing3},message:"must have required property '"+missing3+"'"}];
return false;
}
else {
const _errs84 = errors;
for(const key3 in data21){
if(!(func2.call(schema8.properties.health.properties, key3))){
validate24.errors = [{instancePath:instancePath+"/health",schemaPath:"#/properties/health/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs84 === errors){
if(data21.policy !== undefined){
const _errs85 = errors;
if(typeof data21.policy !== "string"){
validate24.errors = [{instancePath:instancePath+"/health/policy",schemaPath:"#/properties/health/properties/policy/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid9 = _errs85 === errors;
}
else {
var valid9 = true;
}
if(valid9){
if(data21.intervalMs !== undefined){
let data23 = data21.intervalMs;
const _errs87 = errors;
if(!(((typeof data23 == "number") && (!(data23 % 1) && !isNaN(data23))) && (isFinite(data23)))){
validate24.errors = [{instancePath:instancePath+"/health/intervalMs",schemaPath:"#/properties/health/properties/intervalMs/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs87){
if((typeof data23 == "number") && (isFinite(data23))){
if(data23 < 0 || isNaN(data23)){
validate24.errors = [{instancePath:instancePath+"/health/intervalMs",schemaPath:"#/properties/health/properties/intervalMs/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid9 = _errs87 === errors;
}
else {
var valid9 = true;
}
if(valid9){
if(data21.fastIntervalMs !== undefined){
let data24 = data21.fastIntervalMs;
const _errs89 = errors;
if(!(((typeof data24 == "number") && (!(data24 % 1) && !isNaN(data24))) && (isFinite(data24)))){
validate24.errors = [{instancePath:instancePath+"/health/fastIntervalMs",schemaPath:"#/properties/health/properties/fastIntervalMs/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs89){
if((typeof data24 == "number") && (isFinite(data24))){
if(data24 < 0 || isNaN(data24)){
validate24.errors = [{instancePath:instancePath+"/health/fastIntervalMs",schemaPath:"#/properties/health/properties/fastIntervalMs/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid9 = _errs89 === errors;
}
else {
var valid9 = true;
}
if(valid9){
if(data21.downIntervalMs !== undefined){
let data25 = data21.downIntervalMs;
const _errs91 = errors;
if(!(((typeof data25 == "number") && (!(data25 % 1) && !isNaN(data25))) && (isFinite(data25)))){
validate24.errors = [{instancePath:instancePath+"/health/downIntervalMs",schemaPath:"#/properties/health/properties/downIntervalMs/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs91){
if((typeof data25 == "number") && (isFinite(data25))){
if(data25 < 0 || isNaN(data25)){
validate24.errors = [{instancePath:instancePath+"/health/downIntervalMs",schemaPath:"#/properties/health/properties/downIntervalMs/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid9 = _errs91 === errors;
}
else {
var valid9 = true;
}
if(valid9){
if(data21.timeoutMs !== undefined){
let data26 = data21.timeoutMs;
const _errs93 = errors;
if(!(((typeof data26 == "number") && (!(data26 % 1) && !isNaN(data26))) && (isFinite(data26)))){
validate24.errors = [{instancePath:instancePath+"/health/timeoutMs",schemaPath:"#/properties/health/properties/timeoutMs/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs93){
if((typeof data26 == "number") && (isFinite(data26))){
if(data26 < 0 || isNaN(data26)){
validate24.errors = [{instancePath:instancePath+"/health/timeoutMs",schemaPath:"#/properties/health/properties/timeoutMs/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid9 = _errs93 === errors;
}
else {
var valid9 = true;
}
if(valid9){
if(data21.rise !== undefined){
let data27 = data21.rise;
const _errs95 = errors;
if(!(((typeof data27 == "number") && (!(data27 % 1) && !isNaN(data27))) && (isFinite(data27)))){
validate24.errors = [{instancePath:instancePath+"/health/rise",schemaPath:"#/properties/health/properties/rise/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid9 = _errs95 === errors;
}
else {
var valid9 = true;
}
if(valid9){
if(data21.fall !== undefined){
let data28 = data21.fall;
const _errs97 = errors;
if(!(((typeof data28 == "number") && (!(data28 % 1) && !isNaN(data28))) && (isFinite(data28)))){
validate24.errors = [{instancePath:instancePath+"/health/fall",schemaPath:"#/properties/health/properties/fall/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid9 = _errs97 === errors;
}
else {
var valid9 = true;
}
if(valid9){
if(data21.port !== undefined){
let data29 = data21.port;
const _errs99 = errors;
if(!(((typeof data29 == "number") && (!(data29 % 1) && !isNaN(data29))) && (isFinite(data29)))){
validate24.errors = [{instancePath:instancePath+"/health/port",schemaPath:"#/properties/health/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid9 = _errs99 === errors;
}
else {
var valid9 = true;
}
if(valid9){
if(data21.initialState !== undefined){
let data30 = data21.initialState;
const _errs101 = errors;
const _errs102 = errors;
let valid10 = false;
const _errs103 = errors;
if(typeof data30 !== "string"){
const err41 = {instancePath:instancePath+"/health/initialState",schemaPath:"#/properties/health/properties/initialState/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
if("up" !== data30){
const err42 = {instancePath:instancePath+"/health/initialState",schemaPath:"#/properties/health/properties/initialState/anyOf/0/const",keyword:"const",params:{allowedValue: "up"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
var _valid5 = _errs103 === errors;
valid10 = valid10 || _valid5;
if(!valid10){
const _errs105 = errors;
if(typeof data30 !== "string"){
const err43 = {instancePath:instancePath+"/health/initialState",schemaPath:"#/properties/health/properties/initialState/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
if("down" !== data30){
const err44 = {instancePath:instancePath+"/health/initialState",schemaPath:"#/properties/health/properties/initialState/anyOf/1/const",keyword:"const",params:{allowedValue: "down"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
var _valid5 = _errs105 === errors;
valid10 = valid10 || _valid5;
}
if(!valid10){
const err45 = {instancePath:instancePath+"/health/initialState",schemaPath:"#/properties/health/properties/initialState/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
validate24.errors = vErrors;
return false;
}
else {
errors = _errs102;
if(vErrors !== null){
if(_errs102){
vErrors.length = _errs102;
}
else {
vErrors = null;
}
}
}
var valid9 = _errs101 === errors;
}
else {
var valid9 = true;
}
if(valid9){
if(data21.http !== undefined){
let data31 = data21.http;
const _errs107 = errors;
if(errors === _errs107){
if(data31 && typeof data31 == "object" && !Array.isArray(data31)){
let missing4;
if(((((data31.method === undefined) && (missing4 = "method")) || ((data31.path === undefined) && (missing4 = "path"))) || ((data31.headers === undefined) && (missing4 = "headers"))) || ((data31.expect === undefined) && (missing4 = "expect"))){
validate24.errors = [{instancePath:instancePath+"/health/http",schemaPath:"#/properties/health/properties/http/required",keyword:"required",params:{missingProperty: missing4},message:"must have required property '"+missing4+"'"}];
return false;
}
else {
const _errs109 = errors;
for(const key4 in data31){
if(!(((((key4 === "method") || (key4 === "path")) || (key4 === "host")) || (key4 === "headers")) || (key4 === "expect"))){
validate24.errors = [{instancePath:instancePath+"/health/http",schemaPath:"#/properties/health/properties/http/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs109 === errors){
if(data31.method !== undefined){
const _errs110 = errors;
if(typeof data31.method !== "string"){
validate24.errors = [{instancePath:instancePath+"/health/http/method",schemaPath:"#/properties/health/properties/http/properties/method/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid11 = _errs110 === errors;
}
else {
var valid11 = true;
}
if(valid11){
if(data31.path !== undefined){
const _errs112 = errors;
if(typeof data31.path !== "string"){
validate24.errors = [{instancePath:instancePath+"/health/http/path",schemaPath:"#/properties/health/properties/http/properties/path/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid11 = _errs112 === errors;
}
else {
var valid11 = true;
}
if(valid11){
if(data31.host !== undefined){
const _errs114 = errors;
if(typeof data31.host !== "string"){
validate24.errors = [{instancePath:instancePath+"/health/http/host",schemaPath:"#/properties/health/properties/http/properties/host/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid11 = _errs114 === errors;
}
else {
var valid11 = true;
}
if(valid11){
if(data31.headers !== undefined){
let data35 = data31.headers;
const _errs116 = errors;
if(errors === _errs116){
if(Array.isArray(data35)){
var valid12 = true;
const len1 = data35.length;
for(let i1=0; i1<len1; i1++){
let data36 = data35[i1];
const _errs118 = errors;
if(errors === _errs118){
if(data36 && typeof data36 == "object" && !Array.isArray(data36)){
let missing5;
if(((data36.name === undefined) && (missing5 = "name")) || ((data36.value === undefined) && (missing5 = "value"))){
validate24.errors = [{instancePath:instancePath+"/health/http/headers/" + i1,schemaPath:"#/properties/health/properties/http/properties/headers/items/required",keyword:"required",params:{missingProperty: missing5},message:"must have required property '"+missing5+"'"}];
return false;
}
else {
const _errs120 = errors;
for(const key5 in data36){
if(!((key5 === "name") || (key5 === "value"))){
validate24.errors = [{instancePath:instancePath+"/health/http/headers/" + i1,schemaPath:"#/properties/health/properties/http/properties/headers/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key5},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs120 === errors){
if(data36.name !== undefined){
const _errs121 = errors;
if(typeof data36.name !== "string"){
validate24.errors = [{instancePath:instancePath+"/health/http/headers/" + i1+"/name",schemaPath:"#/properties/health/properties/http/properties/headers/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid13 = _errs121 === errors;
}
else {
var valid13 = true;
}
if(valid13){
if(data36.value !== undefined){
const _errs123 = errors;
if(typeof data36.value !== "string"){
validate24.errors = [{instancePath:instancePath+"/health/http/headers/" + i1+"/value",schemaPath:"#/properties/health/properties/http/properties/headers/items/properties/value/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid13 = _errs123 === errors;
}
else {
var valid13 = true;
}
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/health/http/headers/" + i1,schemaPath:"#/properties/health/properties/http/properties/headers/items/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid12 = _errs118 === errors;
if(!valid12){
break;
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/health/http/headers",schemaPath:"#/properties/health/properties/http/properties/headers/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid11 = _errs116 === errors;
}
else {
var valid11 = true;
}
if(valid11){
if(data31.expect !== undefined){
let data39 = data31.expect;
const _errs125 = errors;
if(errors === _errs125){
if(data39 && typeof data39 == "object" && !Array.isArray(data39)){
const _errs127 = errors;
for(const key6 in data39){
if(!(((((key6 === "status") || (key6 === "statusRange")) || (key6 === "statusRegex")) || (key6 === "bodyContains")) || (key6 === "bodyRegex"))){
validate24.errors = [{instancePath:instancePath+"/health/http/expect",schemaPath:"#/properties/health/properties/http/properties/expect/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key6},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs127 === errors){
if(data39.status !== undefined){
let data40 = data39.status;
const _errs128 = errors;
if(errors === _errs128){
if(Array.isArray(data40)){
var valid15 = true;
const len2 = data40.length;
for(let i2=0; i2<len2; i2++){
let data41 = data40[i2];
const _errs130 = errors;
if(!(((typeof data41 == "number") && (!(data41 % 1) && !isNaN(data41))) && (isFinite(data41)))){
validate24.errors = [{instancePath:instancePath+"/health/http/expect/status/" + i2,schemaPath:"#/properties/health/properties/http/properties/expect/properties/status/items/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid15 = _errs130 === errors;
if(!valid15){
break;
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/health/http/expect/status",schemaPath:"#/properties/health/properties/http/properties/expect/properties/status/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid14 = _errs128 === errors;
}
else {
var valid14 = true;
}
if(valid14){
if(data39.statusRange !== undefined){
const _errs132 = errors;
if(typeof data39.statusRange !== "string"){
validate24.errors = [{instancePath:instancePath+"/health/http/expect/statusRange",schemaPath:"#/properties/health/properties/http/properties/expect/properties/statusRange/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid14 = _errs132 === errors;
}
else {
var valid14 = true;
}
if(valid14){
if(data39.statusRegex !== undefined){
const _errs134 = errors;
if(typeof data39.statusRegex !== "string"){
validate24.errors = [{instancePath:instancePath+"/health/http/expect/statusRegex",schemaPath:"#/properties/health/properties/http/properties/expect/properties/statusRegex/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid14 = _errs134 === errors;
}
else {
var valid14 = true;
}
if(valid14){
if(data39.bodyContains !== undefined){
const _errs136 = errors;
if(typeof data39.bodyContains !== "string"){
validate24.errors = [{instancePath:instancePath+"/health/http/expect/bodyContains",schemaPath:"#/properties/health/properties/http/properties/expect/properties/bodyContains/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid14 = _errs136 === errors;
}
else {
var valid14 = true;
}
if(valid14){
if(data39.bodyRegex !== undefined){
const _errs138 = errors;
if(typeof data39.bodyRegex !== "string"){
validate24.errors = [{instancePath:instancePath+"/health/http/expect/bodyRegex",schemaPath:"#/properties/health/properties/http/properties/expect/properties/bodyRegex/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid14 = _errs138 === errors;
}
else {
var valid14 = true;
}
}
}
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/health/http/expect",schemaPath:"#/properties/health/properties/http/properties/expect/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid11 = _errs125 === errors;
}
else {
var valid11 = true;
}
}
}
}
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/health/http",schemaPath:"#/properties/health/properties/http/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid9 = _errs107 === errors;
}
else {
var valid9 = true;
}
if(valid9){
if(data21.passive !== undefined){
let data46 = data21.passive;
const _errs140 = errors;
if(errors === _errs140){
if(data46 && typeof data46 == "object" && !Array.isArray(data46)){
let missing6;
if((((data46.consecutiveErrors === undefined) && (missing6 = "consecutiveErrors")) || ((data46.onError === undefined) && (missing6 = "onError"))) || ((data46.observe === undefined) && (missing6 = "observe"))){
validate24.errors = [{instancePath:instancePath+"/health/passive",schemaPath:"#/properties/health/properties/passive/required",keyword:"required",params:{missingProperty: missing6},message:"must have required property '"+missing6+"'"}];
return false;
}
else {
const _errs142 = errors;
for(const key7 in data46){
if(!(((key7 === "consecutiveErrors") || (key7 === "onError")) || (key7 === "observe"))){
validate24.errors = [{instancePath:instancePath+"/health/passive",schemaPath:"#/properties/health/properties/passive/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key7},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs142 === errors){
if(data46.consecutiveErrors !== undefined){
let data47 = data46.consecutiveErrors;
const _errs143 = errors;
if(!(((typeof data47 == "number") && (!(data47 % 1) && !isNaN(data47))) && (isFinite(data47)))){
validate24.errors = [{instancePath:instancePath+"/health/passive/consecutiveErrors",schemaPath:"#/properties/health/properties/passive/properties/consecutiveErrors/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid16 = _errs143 === errors;
}
else {
var valid16 = true;
}
if(valid16){
if(data46.onError !== undefined){
let data48 = data46.onError;
const _errs145 = errors;
const _errs146 = errors;
let valid17 = false;
const _errs147 = errors;
if(typeof data48 !== "string"){
const err46 = {instancePath:instancePath+"/health/passive/onError",schemaPath:"#/properties/health/properties/passive/properties/onError/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
if("fastinter" !== data48){
const err47 = {instancePath:instancePath+"/health/passive/onError",schemaPath:"#/properties/health/properties/passive/properties/onError/anyOf/0/const",keyword:"const",params:{allowedValue: "fastinter"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
var _valid6 = _errs147 === errors;
valid17 = valid17 || _valid6;
if(!valid17){
const _errs149 = errors;
if(typeof data48 !== "string"){
const err48 = {instancePath:instancePath+"/health/passive/onError",schemaPath:"#/properties/health/properties/passive/properties/onError/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
if("fail-check" !== data48){
const err49 = {instancePath:instancePath+"/health/passive/onError",schemaPath:"#/properties/health/properties/passive/properties/onError/anyOf/1/const",keyword:"const",params:{allowedValue: "fail-check"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
var _valid6 = _errs149 === errors;
valid17 = valid17 || _valid6;
if(!valid17){
const _errs151 = errors;
if(typeof data48 !== "string"){
const err50 = {instancePath:instancePath+"/health/passive/onError",schemaPath:"#/properties/health/properties/passive/properties/onError/anyOf/2/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
if("sudden-death" !== data48){
const err51 = {instancePath:instancePath+"/health/passive/onError",schemaPath:"#/properties/health/properties/passive/properties/onError/anyOf/2/const",keyword:"const",params:{allowedValue: "sudden-death"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
var _valid6 = _errs151 === errors;
valid17 = valid17 || _valid6;
if(!valid17){
const _errs153 = errors;
if(typeof data48 !== "string"){
const err52 = {instancePath:instancePath+"/health/passive/onError",schemaPath:"#/properties/health/properties/passive/properties/onError/anyOf/3/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
if("mark-down" !== data48){
const err53 = {instancePath:instancePath+"/health/passive/onError",schemaPath:"#/properties/health/properties/passive/properties/onError/anyOf/3/const",keyword:"const",params:{allowedValue: "mark-down"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
var _valid6 = _errs153 === errors;
valid17 = valid17 || _valid6;
}
}
}
if(!valid17){
const err54 = {instancePath:instancePath+"/health/passive/onError",schemaPath:"#/properties/health/properties/passive/properties/onError/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err54];
}
else {
vErrors.push(err54);
}
errors++;
validate24.errors = vErrors;
return false;
}
else {
errors = _errs146;
if(vErrors !== null){
if(_errs146){
vErrors.length = _errs146;
}
else {
vErrors = null;
}
}
}
var valid16 = _errs145 === errors;
}
else {
var valid16 = true;
}
if(valid16){
if(data46.observe !== undefined){
let data49 = data46.observe;
const _errs155 = errors;
const _errs156 = errors;
let valid18 = false;
const _errs157 = errors;
if(typeof data49 !== "string"){
const err55 = {instancePath:instancePath+"/health/passive/observe",schemaPath:"#/properties/health/properties/passive/properties/observe/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err55];
}
else {
vErrors.push(err55);
}
errors++;
}
if("layer4" !== data49){
const err56 = {instancePath:instancePath+"/health/passive/observe",schemaPath:"#/properties/health/properties/passive/properties/observe/anyOf/0/const",keyword:"const",params:{allowedValue: "layer4"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err56];
}
else {
vErrors.push(err56);
}
errors++;
}
var _valid7 = _errs157 === errors;
valid18 = valid18 || _valid7;
if(!valid18){
const _errs159 = errors;
if(typeof data49 !== "string"){
const err57 = {instancePath:instancePath+"/health/passive/observe",schemaPath:"#/properties/health/properties/passive/properties/observe/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err57];
}
else {
vErrors.push(err57);
}
errors++;
}
if("layer7" !== data49){
const err58 = {instancePath:instancePath+"/health/passive/observe",schemaPath:"#/properties/health/properties/passive/properties/observe/anyOf/1/const",keyword:"const",params:{allowedValue: "layer7"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err58];
}
else {
vErrors.push(err58);
}
errors++;
}
var _valid7 = _errs159 === errors;
valid18 = valid18 || _valid7;
}
if(!valid18){
const err59 = {instancePath:instancePath+"/health/passive/observe",schemaPath:"#/properties/health/properties/passive/properties/observe/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err59];
}
else {
vErrors.push(err59);
}
errors++;
validate24.errors = vErrors;
return false;
}
else {
errors = _errs156;
if(vErrors !== null){
if(_errs156){
vErrors.length = _errs156;
}
else {
vErrors = null;
}
}
}
var valid16 = _errs155 === errors;
}
else {
var valid16 = true;
}
}
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/health/passive",schemaPath:"#/properties/health/properties/passive/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid9 = _errs140 === errors;
}
else {
var valid9 = true;
}
}
}
}
}
}
}
}
}
}
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/health",schemaPath:"#/properties/health/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs82 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.persistence !== undefined){
let data50 = data.persistence;
const _errs161 = errors;
if(errors === _errs161){
if(data50 && typeof data50 == "object" && !Array.isArray(data50)){
const _errs163 = errors;
for(const key8 in data50){
if(!((key8 === "cookie") || (key8 === "source"))){
validate24.errors = [{instancePath:instancePath+"/persistence",schemaPath:"#/properties/persistence/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key8},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs163 === errors){
if(data50.cookie !== undefined){
let data51 = data50.cookie;
const _errs164 = errors;
if(errors === _errs164){
if(data51 && typeof data51 == "object" && !Array.isArray(data51)){
let missing7;
if((((((((data51.name === undefined) && (missing7 = "name")) || ((data51.mode === undefined) && (missing7 = "mode"))) || ((data51.indirect === undefined) && (missing7 = "indirect"))) || ((data51.nocache === undefined) && (missing7 = "nocache"))) || ((data51.httpOnly === undefined) && (missing7 = "httpOnly"))) || ((data51.secure === undefined) && (missing7 = "secure"))) || ((data51.path === undefined) && (missing7 = "path"))){
validate24.errors = [{instancePath:instancePath+"/persistence/cookie",schemaPath:"#/properties/persistence/properties/cookie/required",keyword:"required",params:{missingProperty: missing7},message:"must have required property '"+missing7+"'"}];
return false;
}
else {
const _errs166 = errors;
for(const key9 in data51){
if(!(func2.call(schema8.properties.persistence.properties.cookie.properties, key9))){
validate24.errors = [{instancePath:instancePath+"/persistence/cookie",schemaPath:"#/properties/persistence/properties/cookie/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key9},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs166 === errors){
if(data51.name !== undefined){
const _errs167 = errors;
if(typeof data51.name !== "string"){
validate24.errors = [{instancePath:instancePath+"/persistence/cookie/name",schemaPath:"#/properties/persistence/properties/cookie/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid20 = _errs167 === errors;
}
else {
var valid20 = true;
}
if(valid20){
if(data51.mode !== undefined){
let data53 = data51.mode;
const _errs169 = errors;
const _errs170 = errors;
let valid21 = false;
const _errs171 = errors;
if(typeof data53 !== "string"){
const err60 = {instancePath:instancePath+"/persistence/cookie/mode",schemaPath:"#/properties/persistence/properties/cookie/properties/mode/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err60];
}
else {
vErrors.push(err60);
}
errors++;
}
if("insert" !== data53){
const err61 = {instancePath:instancePath+"/persistence/cookie/mode",schemaPath:"#/properties/persistence/properties/cookie/properties/mode/anyOf/0/const",keyword:"const",params:{allowedValue: "insert"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err61];
}
else {
vErrors.push(err61);
}
errors++;
}
var _valid8 = _errs171 === errors;
valid21 = valid21 || _valid8;
if(!valid21){
const _errs173 = errors;
if(typeof data53 !== "string"){
const err62 = {instancePath:instancePath+"/persistence/cookie/mode",schemaPath:"#/properties/persistence/properties/cookie/properties/mode/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err62];
}
else {
vErrors.push(err62);
}
errors++;
}
if("rewrite" !== data53){
const err63 = {instancePath:instancePath+"/persistence/cookie/mode",schemaPath:"#/properties/persistence/properties/cookie/properties/mode/anyOf/1/const",keyword:"const",params:{allowedValue: "rewrite"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err63];
}
else {
vErrors.push(err63);
}
errors++;
}
var _valid8 = _errs173 === errors;
valid21 = valid21 || _valid8;
if(!valid21){
const _errs175 = errors;
if(typeof data53 !== "string"){
const err64 = {instancePath:instancePath+"/persistence/cookie/mode",schemaPath:"#/properties/persistence/properties/cookie/properties/mode/anyOf/2/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err64];
}
else {
vErrors.push(err64);
}
errors++;
}
if("prefix" !== data53){
const err65 = {instancePath:instancePath+"/persistence/cookie/mode",schemaPath:"#/properties/persistence/properties/cookie/properties/mode/anyOf/2/const",keyword:"const",params:{allowedValue: "prefix"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err65];
}
else {
vErrors.push(err65);
}
errors++;
}
var _valid8 = _errs175 === errors;
valid21 = valid21 || _valid8;
}
}
if(!valid21){
const err66 = {instancePath:instancePath+"/persistence/cookie/mode",schemaPath:"#/properties/persistence/properties/cookie/properties/mode/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err66];
}
else {
vErrors.push(err66);
}
errors++;
validate24.errors = vErrors;
return false;
}
else {
errors = _errs170;
if(vErrors !== null){
if(_errs170){
vErrors.length = _errs170;
}
else {
vErrors = null;
}
}
}
var valid20 = _errs169 === errors;
}
else {
var valid20 = true;
}
if(valid20){
if(data51.indirect !== undefined){
const _errs177 = errors;
if(typeof data51.indirect !== "boolean"){
validate24.errors = [{instancePath:instancePath+"/persistence/cookie/indirect",schemaPath:"#/properties/persistence/properties/cookie/properties/indirect/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid20 = _errs177 === errors;
}
else {
var valid20 = true;
}
if(valid20){
if(data51.nocache !== undefined){
const _errs179 = errors;
if(typeof data51.nocache !== "boolean"){
validate24.errors = [{instancePath:instancePath+"/persistence/cookie/nocache",schemaPath:"#/properties/persistence/properties/cookie/properties/nocache/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid20 = _errs179 === errors;
}
else {
var valid20 = true;
}
if(valid20){
if(data51.httpOnly !== undefined){
const _errs181 = errors;
if(typeof data51.httpOnly !== "boolean"){
validate24.errors = [{instancePath:instancePath+"/persistence/cookie/httpOnly",schemaPath:"#/properties/persistence/properties/cookie/properties/httpOnly/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid20 = _errs181 === errors;
}
else {
var valid20 = true;
}
if(valid20){
if(data51.secure !== undefined){
const _errs183 = errors;
if(typeof data51.secure !== "boolean"){
validate24.errors = [{instancePath:instancePath+"/persistence/cookie/secure",schemaPath:"#/properties/persistence/properties/cookie/properties/secure/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid20 = _errs183 === errors;
}
else {
var valid20 = true;
}
if(valid20){
if(data51.sameSite !== undefined){
const _errs185 = errors;
if(typeof data51.sameSite !== "string"){
validate24.errors = [{instancePath:instancePath+"/persistence/cookie/sameSite",schemaPath:"#/properties/persistence/properties/cookie/properties/sameSite/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid20 = _errs185 === errors;
}
else {
var valid20 = true;
}
if(valid20){
if(data51.maxAgeMs !== undefined){
let data59 = data51.maxAgeMs;
const _errs187 = errors;
if(!(((typeof data59 == "number") && (!(data59 % 1) && !isNaN(data59))) && (isFinite(data59)))){
validate24.errors = [{instancePath:instancePath+"/persistence/cookie/maxAgeMs",schemaPath:"#/properties/persistence/properties/cookie/properties/maxAgeMs/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs187){
if((typeof data59 == "number") && (isFinite(data59))){
if(data59 < 0 || isNaN(data59)){
validate24.errors = [{instancePath:instancePath+"/persistence/cookie/maxAgeMs",schemaPath:"#/properties/persistence/properties/cookie/properties/maxAgeMs/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid20 = _errs187 === errors;
}
else {
var valid20 = true;
}
if(valid20){
if(data51.domain !== undefined){
const _errs189 = errors;
if(typeof data51.domain !== "string"){
validate24.errors = [{instancePath:instancePath+"/persistence/cookie/domain",schemaPath:"#/properties/persistence/properties/cookie/properties/domain/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid20 = _errs189 === errors;
}
else {
var valid20 = true;
}
if(valid20){
if(data51.path !== undefined){
const _errs191 = errors;
if(typeof data51.path !== "string"){
validate24.errors = [{instancePath:instancePath+"/persistence/cookie/path",schemaPath:"#/properties/persistence/properties/cookie/properties/path/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid20 = _errs191 === errors;
}
else {
var valid20 = true;
}
}
}
}
}
}
}
}
}
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/persistence/cookie",schemaPath:"#/properties/persistence/properties/cookie/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid19 = _errs164 === errors;
}
else {
var valid19 = true;
}
if(valid19){
if(data50.source !== undefined){
let data62 = data50.source;
const _errs193 = errors;
if(errors === _errs193){
if(data62 && typeof data62 == "object" && !Array.isArray(data62)){
let missing8;
if((data62.expireMs === undefined) && (missing8 = "expireMs")){
validate24.errors = [{instancePath:instancePath+"/persistence/source",schemaPath:"#/properties/persistence/properties/source/required",keyword:"required",params:{missingProperty: missing8},message:"must have required property '"+missing8+"'"}];
return false;
}
else {
const _errs195 = errors;
for(const key10 in data62){
if(!(key10 === "expireMs")){
validate24.errors = [{instancePath:instancePath+"/persistence/source",schemaPath:"#/properties/persistence/properties/source/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key10},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs195 === errors){
if(data62.expireMs !== undefined){
let data63 = data62.expireMs;
const _errs196 = errors;
if(!(((typeof data63 == "number") && (!(data63 % 1) && !isNaN(data63))) && (isFinite(data63)))){
validate24.errors = [{instancePath:instancePath+"/persistence/source/expireMs",schemaPath:"#/properties/persistence/properties/source/properties/expireMs/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs196){
if((typeof data63 == "number") && (isFinite(data63))){
if(data63 < 0 || isNaN(data63)){
validate24.errors = [{instancePath:instancePath+"/persistence/source/expireMs",schemaPath:"#/properties/persistence/properties/source/properties/expireMs/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/persistence/source",schemaPath:"#/properties/persistence/properties/source/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid19 = _errs193 === errors;
}
else {
var valid19 = true;
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/persistence",schemaPath:"#/properties/persistence/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs161 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.timeouts !== undefined){
let data64 = data.timeouts;
const _errs198 = errors;
if(errors === _errs198){
if(data64 && typeof data64 == "object" && !Array.isArray(data64)){
let missing9;
if(((((data64.connect === undefined) && (missing9 = "connect")) || ((data64.server === undefined) && (missing9 = "server"))) || ((data64.queue === undefined) && (missing9 = "queue"))) || ((data64.tunnel === undefined) && (missing9 = "tunnel"))){
validate24.errors = [{instancePath:instancePath+"/timeouts",schemaPath:"#/properties/timeouts/required",keyword:"required",params:{missingProperty: missing9},message:"must have required property '"+missing9+"'"}];
return false;
}
else {
const _errs200 = errors;
for(const key11 in data64){
if(!((((key11 === "connect") || (key11 === "server")) || (key11 === "queue")) || (key11 === "tunnel"))){
validate24.errors = [{instancePath:instancePath+"/timeouts",schemaPath:"#/properties/timeouts/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key11},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs200 === errors){
if(data64.connect !== undefined){
let data65 = data64.connect;
const _errs201 = errors;
if(!(((typeof data65 == "number") && (!(data65 % 1) && !isNaN(data65))) && (isFinite(data65)))){
validate24.errors = [{instancePath:instancePath+"/timeouts/connect",schemaPath:"#/properties/timeouts/properties/connect/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs201){
if((typeof data65 == "number") && (isFinite(data65))){
if(data65 < 0 || isNaN(data65)){
validate24.errors = [{instancePath:instancePath+"/timeouts/connect",schemaPath:"#/properties/timeouts/properties/connect/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid23 = _errs201 === errors;
}
else {
var valid23 = true;
}
if(valid23){
if(data64.server !== undefined){
let data66 = data64.server;
const _errs203 = errors;
if(!(((typeof data66 == "number") && (!(data66 % 1) && !isNaN(data66))) && (isFinite(data66)))){
validate24.errors = [{instancePath:instancePath+"/timeouts/server",schemaPath:"#/properties/timeouts/properties/server/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs203){
if((typeof data66 == "number") && (isFinite(data66))){
if(data66 < 0 || isNaN(data66)){
validate24.errors = [{instancePath:instancePath+"/timeouts/server",schemaPath:"#/properties/timeouts/properties/server/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid23 = _errs203 === errors;
}
else {
var valid23 = true;
}
if(valid23){
if(data64.queue !== undefined){
let data67 = data64.queue;
const _errs205 = errors;
if(!(((typeof data67 == "number") && (!(data67 % 1) && !isNaN(data67))) && (isFinite(data67)))){
validate24.errors = [{instancePath:instancePath+"/timeouts/queue",schemaPath:"#/properties/timeouts/properties/queue/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs205){
if((typeof data67 == "number") && (isFinite(data67))){
if(data67 < 0 || isNaN(data67)){
validate24.errors = [{instancePath:instancePath+"/timeouts/queue",schemaPath:"#/properties/timeouts/properties/queue/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid23 = _errs205 === errors;
}
else {
var valid23 = true;
}
if(valid23){
if(data64.tunnel !== undefined){
let data68 = data64.tunnel;
const _errs207 = errors;
if(!(((typeof data68 == "number") && (!(data68 % 1) && !isNaN(data68))) && (isFinite(data68)))){
validate24.errors = [{instancePath:instancePath+"/timeouts/tunnel",schemaPath:"#/properties/timeouts/properties/tunnel/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs207){
if((typeof data68 == "number") && (isFinite(data68))){
if(data68 < 0 || isNaN(data68)){
validate24.errors = [{instancePath:instancePath+"/timeouts/tunnel",schemaPath:"#/properties/timeouts/properties/tunnel/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid23 = _errs207 === errors;
}
else {
var valid23 = true;
}
}
}
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/timeouts",schemaPath:"#/properties/timeouts/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs198 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.retries !== undefined){
let data69 = data.retries;
const _errs209 = errors;
if(errors === _errs209){
if(data69 && typeof data69 == "object" && !Array.isArray(data69)){
let missing10;
if((((data69.attempts === undefined) && (missing10 = "attempts")) || ((data69.redispatch === undefined) && (missing10 = "redispatch"))) || ((data69.onResponseTimeout === undefined) && (missing10 = "onResponseTimeout"))){
validate24.errors = [{instancePath:instancePath+"/retries",schemaPath:"#/properties/retries/required",keyword:"required",params:{missingProperty: missing10},message:"must have required property '"+missing10+"'"}];
return false;
}
else {
const _errs211 = errors;
for(const key12 in data69){
if(!(((key12 === "attempts") || (key12 === "redispatch")) || (key12 === "onResponseTimeout"))){
validate24.errors = [{instancePath:instancePath+"/retries",schemaPath:"#/properties/retries/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key12},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs211 === errors){
if(data69.attempts !== undefined){
let data70 = data69.attempts;
const _errs212 = errors;
if(!(((typeof data70 == "number") && (!(data70 % 1) && !isNaN(data70))) && (isFinite(data70)))){
validate24.errors = [{instancePath:instancePath+"/retries/attempts",schemaPath:"#/properties/retries/properties/attempts/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid24 = _errs212 === errors;
}
else {
var valid24 = true;
}
if(valid24){
if(data69.redispatch !== undefined){
const _errs214 = errors;
if(typeof data69.redispatch !== "boolean"){
validate24.errors = [{instancePath:instancePath+"/retries/redispatch",schemaPath:"#/properties/retries/properties/redispatch/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid24 = _errs214 === errors;
}
else {
var valid24 = true;
}
if(valid24){
if(data69.onResponseTimeout !== undefined){
const _errs216 = errors;
if(typeof data69.onResponseTimeout !== "boolean"){
validate24.errors = [{instancePath:instancePath+"/retries/onResponseTimeout",schemaPath:"#/properties/retries/properties/onResponseTimeout/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid24 = _errs216 === errors;
}
else {
var valid24 = true;
}
}
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/retries",schemaPath:"#/properties/retries/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs209 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.maxQueue !== undefined){
let data73 = data.maxQueue;
const _errs218 = errors;
if(!(((typeof data73 == "number") && (!(data73 % 1) && !isNaN(data73))) && (isFinite(data73)))){
validate24.errors = [{instancePath:instancePath+"/maxQueue",schemaPath:"#/properties/maxQueue/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
var valid0 = _errs218 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.keepAlive !== undefined){
const _errs220 = errors;
if(typeof data.keepAlive !== "boolean"){
validate24.errors = [{instancePath:instancePath+"/keepAlive",schemaPath:"#/properties/keepAlive/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid0 = _errs220 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.slowStartMs !== undefined){
let data75 = data.slowStartMs;
const _errs222 = errors;
if(!(((typeof data75 == "number") && (!(data75 % 1) && !isNaN(data75))) && (isFinite(data75)))){
validate24.errors = [{instancePath:instancePath+"/slowStartMs",schemaPath:"#/properties/slowStartMs/type",keyword:"type",params:{type: "integer"},message:"must be integer"}];
return false;
}
if(errors === _errs222){
if((typeof data75 == "number") && (isFinite(data75))){
if(data75 < 0 || isNaN(data75)){
validate24.errors = [{instancePath:instancePath+"/slowStartMs",schemaPath:"#/properties/slowStartMs/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"}];
return false;
}
}
}
var valid0 = _errs222 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.tls !== undefined){
let data76 = data.tls;
const _errs224 = errors;
if(errors === _errs224){
if(data76 && typeof data76 == "object" && !Array.isArray(data76)){
let missing11;
if((data76.insecureSkipVerify === undefined) && (missing11 = "insecureSkipVerify")){
validate24.errors = [{instancePath:instancePath+"/tls",schemaPath:"#/properties/tls/required",keyword:"required",params:{missingProperty: missing11},message:"must have required property '"+missing11+"'"}];
return false;
}
else {
const _errs226 = errors;
for(const key13 in data76){
if(!(((((key13 === "caPem") || (key13 === "sni")) || (key13 === "insecureSkipVerify")) || (key13 === "clientCertPem")) || (key13 === "clientKeyPem"))){
validate24.errors = [{instancePath:instancePath+"/tls",schemaPath:"#/properties/tls/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key13},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs226 === errors){
if(data76.caPem !== undefined){
const _errs227 = errors;
if(typeof data76.caPem !== "string"){
validate24.errors = [{instancePath:instancePath+"/tls/caPem",schemaPath:"#/properties/tls/properties/caPem/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid25 = _errs227 === errors;
}
else {
var valid25 = true;
}
if(valid25){
if(data76.sni !== undefined){
const _errs229 = errors;
if(typeof data76.sni !== "string"){
validate24.errors = [{instancePath:instancePath+"/tls/sni",schemaPath:"#/properties/tls/properties/sni/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid25 = _errs229 === errors;
}
else {
var valid25 = true;
}
if(valid25){
if(data76.insecureSkipVerify !== undefined){
const _errs231 = errors;
if(typeof data76.insecureSkipVerify !== "boolean"){
validate24.errors = [{instancePath:instancePath+"/tls/insecureSkipVerify",schemaPath:"#/properties/tls/properties/insecureSkipVerify/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"}];
return false;
}
var valid25 = _errs231 === errors;
}
else {
var valid25 = true;
}
if(valid25){
if(data76.clientCertPem !== undefined){
const _errs233 = errors;
if(typeof data76.clientCertPem !== "string"){
validate24.errors = [{instancePath:instancePath+"/tls/clientCertPem",schemaPath:"#/properties/tls/properties/clientCertPem/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid25 = _errs233 === errors;
}
else {
var valid25 = true;
}
if(valid25){
if(data76.clientKeyPem !== undefined){
const _errs235 = errors;
if(typeof data76.clientKeyPem !== "string"){
validate24.errors = [{instancePath:instancePath+"/tls/clientKeyPem",schemaPath:"#/properties/tls/properties/clientKeyPem/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid25 = _errs235 === errors;
}
else {
var valid25 = true;
}
}
}
}
}
}
}
}
else {
validate24.errors = [{instancePath:instancePath+"/tls",schemaPath:"#/properties/tls/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
var valid0 = _errs224 === errors;
}
else {
var valid0 = true;
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
else {
validate24.errors = [{instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
validate24.errors = vErrors;
return errors === 0;
}


function validate21(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(errors === 0){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing0;
if((((data.group === undefined) && (missing0 = "group")) || ((data.frontends === undefined) && (missing0 = "frontends"))) || ((data.backends === undefined) && (missing0 = "backends"))){
validate21.errors = [{instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: missing0},message:"must have required property '"+missing0+"'"}];
return false;
}
else {
const _errs1 = errors;
for(const key0 in data){
if(!(((key0 === "group") || (key0 === "frontends")) || (key0 === "backends"))){
validate21.errors = [{instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"}];
return false;
break;
}
}
if(_errs1 === errors){
if(data.group !== undefined){
const _errs2 = errors;
if(typeof data.group !== "string"){
validate21.errors = [{instancePath:instancePath+"/group",schemaPath:"#/properties/group/type",keyword:"type",params:{type: "string"},message:"must be string"}];
return false;
}
var valid0 = _errs2 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.frontends !== undefined){
let data1 = data.frontends;
const _errs4 = errors;
if(errors === _errs4){
if(Array.isArray(data1)){
var valid1 = true;
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
const _errs6 = errors;
if(!(validate22(data1[i0], {instancePath:instancePath+"/frontends/" + i0,parentData:data1,parentDataProperty:i0,rootData}))){
vErrors = vErrors === null ? validate22.errors : vErrors.concat(validate22.errors);
errors = vErrors.length;
}
var valid1 = _errs6 === errors;
if(!valid1){
break;
}
}
}
else {
validate21.errors = [{instancePath:instancePath+"/frontends",schemaPath:"#/properties/frontends/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid0 = _errs4 === errors;
}
else {
var valid0 = true;
}
if(valid0){
if(data.backends !== undefined){
let data3 = data.backends;
const _errs7 = errors;
if(errors === _errs7){
if(Array.isArray(data3)){
var valid2 = true;
const len1 = data3.length;
for(let i1=0; i1<len1; i1++){
const _errs9 = errors;
if(!(validate24(data3[i1], {instancePath:instancePath+"/backends/" + i1,parentData:data3,parentDataProperty:i1,rootData}))){
vErrors = vErrors === null ? validate24.errors : vErrors.concat(validate24.errors);
errors = vErrors.length;
}
var valid2 = _errs9 === errors;
if(!valid2){
break;
}
}
}
else {
validate21.errors = [{instancePath:instancePath+"/backends",schemaPath:"#/properties/backends/type",keyword:"type",params:{type: "array"},message:"must be array"}];
return false;
}
}
var valid0 = _errs7 === errors;
}
else {
var valid0 = true;
}
}
}
}
}
}
else {
validate21.errors = [{instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"}];
return false;
}
}
validate21.errors = vErrors;
return errors === 0;
}

export const FrontendSnap: ValidateFunction = validate22;

export const BackendSnap: ValidateFunction = validate24;

export const DataplaneMessage: ValidateFunction = validate26;
const schema9 = {"anyOf":[{"type":"object","required":["type","nodeId","group","lastAppliedVersion","protocolVersion"],"properties":{"type":{"const":"hello","type":"string"},"nodeId":{"minLength":1,"maxLength":253,"type":"string"},"group":{"minLength":1,"maxLength":63,"type":"string"},"lastAppliedVersion":{"anyOf":[{"type":"string"},{"type":"null"}]},"protocolVersion":{"type":"integer"}}},{"type":"object","required":["type","version","nonce"],"properties":{"type":{"const":"ack","type":"string"},"version":{"type":"string"},"nonce":{"type":"string"}}},{"type":"object","required":["type","version","nonce","rejectedVersion","error"],"properties":{"type":{"const":"nack","type":"string"},"version":{"anyOf":[{"type":"string"},{"type":"null"}]},"nonce":{"type":"string"},"rejectedVersion":{"type":"string"},"error":{"type":"object","required":["code","message"],"properties":{"code":{"type":"string"},"message":{"type":"string"}}}}},{"type":"object","required":["type","ts"],"properties":{"type":{"const":"heartbeat","type":"string"},"ts":{"type":"number"}}},{"type":"object","required":["type","full","servers"],"properties":{"type":{"const":"health","type":"string"},"full":{"type":"boolean"},"servers":{"type":"array","items":{"type":"object","required":["backend","server","address","state","reason","since"],"properties":{"backend":{"type":"string"},"server":{"type":"string"},"address":{"type":"string"},"state":{"anyOf":[{"const":"up","type":"string"},{"const":"down","type":"string"}]},"reason":{"type":"string"},"since":{"type":"number"}}}}}},{"type":"object","required":["type","servers"],"properties":{"type":{"const":"overrides","type":"string"},"servers":{"type":"array","items":{"type":"object","required":["backend","server","address","state","since","reason"],"properties":{"backend":{"type":"string"},"server":{"type":"string"},"address":{"type":"string"},"state":{"anyOf":[{"const":"ready","type":"string"},{"const":"drain","type":"string"},{"const":"maintenance","type":"string"}]},"since":{"type":"number"},"reason":{"type":"string"}}}}}}]};
const func7 = function ucs2length(str) {
    const len = str.length;
    let length = 0;
    let pos = 0;
    let value;
    while (pos < len) {
        length++;
        value = str.charCodeAt(pos++);
        if (value >= 0xd800 && value <= 0xdbff && pos < len) {
            // high surrogate, and there is a next character
            value = str.charCodeAt(pos);
            if ((value & 0xfc00) === 0xdc00)
                pos++; // low surrogate
        }
    }
    return length;
};

function validate26(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
const _errs0 = errors;
let valid0 = false;
const _errs1 = errors;
if(errors === _errs1){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing0;
if((((((data.type === undefined) && (missing0 = "type")) || ((data.nodeId === undefined) && (missing0 = "nodeId"))) || ((data.group === undefined) && (missing0 = "group"))) || ((data.lastAppliedVersion === undefined) && (missing0 = "lastAppliedVersion"))) || ((data.protocolVersion === undefined) && (missing0 = "protocolVersion"))){
const err0 = {instancePath,schemaPath:"#/anyOf/0/required",keyword:"required",params:{missingProperty: missing0},message:"must have required property '"+missing0+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
else {
if(data.type !== undefined){
let data0 = data.type;
const _errs3 = errors;
if(typeof data0 !== "string"){
const err1 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/0/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if("hello" !== data0){
const err2 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/0/properties/type/const",keyword:"const",params:{allowedValue: "hello"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
var valid1 = _errs3 === errors;
}
else {
var valid1 = true;
}
if(valid1){
if(data.nodeId !== undefined){
let data1 = data.nodeId;
const _errs5 = errors;
if(errors === _errs5){
if(typeof data1 === "string"){
if(func7(data1) > 253){
const err3 = {instancePath:instancePath+"/nodeId",schemaPath:"#/anyOf/0/properties/nodeId/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
else {
if(func7(data1) < 1){
const err4 = {instancePath:instancePath+"/nodeId",schemaPath:"#/anyOf/0/properties/nodeId/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
}
else {
const err5 = {instancePath:instancePath+"/nodeId",schemaPath:"#/anyOf/0/properties/nodeId/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
var valid1 = _errs5 === errors;
}
else {
var valid1 = true;
}
if(valid1){
if(data.group !== undefined){
let data2 = data.group;
const _errs7 = errors;
if(errors === _errs7){
if(typeof data2 === "string"){
if(func7(data2) > 63){
const err6 = {instancePath:instancePath+"/group",schemaPath:"#/anyOf/0/properties/group/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
else {
if(func7(data2) < 1){
const err7 = {instancePath:instancePath+"/group",schemaPath:"#/anyOf/0/properties/group/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath:instancePath+"/group",schemaPath:"#/anyOf/0/properties/group/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
var valid1 = _errs7 === errors;
}
else {
var valid1 = true;
}
if(valid1){
if(data.lastAppliedVersion !== undefined){
let data3 = data.lastAppliedVersion;
const _errs9 = errors;
const _errs10 = errors;
let valid2 = false;
const _errs11 = errors;
if(typeof data3 !== "string"){
const err9 = {instancePath:instancePath+"/lastAppliedVersion",schemaPath:"#/anyOf/0/properties/lastAppliedVersion/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
var _valid1 = _errs11 === errors;
valid2 = valid2 || _valid1;
if(!valid2){
const _errs13 = errors;
if(data3 !== null){
const err10 = {instancePath:instancePath+"/lastAppliedVersion",schemaPath:"#/anyOf/0/properties/lastAppliedVersion/anyOf/1/type",keyword:"type",params:{type: "null"},message:"must be null"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
var _valid1 = _errs13 === errors;
valid2 = valid2 || _valid1;
}
if(!valid2){
const err11 = {instancePath:instancePath+"/lastAppliedVersion",schemaPath:"#/anyOf/0/properties/lastAppliedVersion/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
else {
errors = _errs10;
if(vErrors !== null){
if(_errs10){
vErrors.length = _errs10;
}
else {
vErrors = null;
}
}
}
var valid1 = _errs9 === errors;
}
else {
var valid1 = true;
}
if(valid1){
if(data.protocolVersion !== undefined){
let data4 = data.protocolVersion;
const _errs15 = errors;
if(!(((typeof data4 == "number") && (!(data4 % 1) && !isNaN(data4))) && (isFinite(data4)))){
const err12 = {instancePath:instancePath+"/protocolVersion",schemaPath:"#/anyOf/0/properties/protocolVersion/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
var valid1 = _errs15 === errors;
}
else {
var valid1 = true;
}
}
}
}
}
}
}
else {
const err13 = {instancePath,schemaPath:"#/anyOf/0/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
var _valid0 = _errs1 === errors;
valid0 = valid0 || _valid0;
if(!valid0){
const _errs17 = errors;
if(errors === _errs17){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing1;
if((((data.type === undefined) && (missing1 = "type")) || ((data.version === undefined) && (missing1 = "version"))) || ((data.nonce === undefined) && (missing1 = "nonce"))){
const err14 = {instancePath,schemaPath:"#/anyOf/1/required",keyword:"required",params:{missingProperty: missing1},message:"must have required property '"+missing1+"'"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
else {
if(data.type !== undefined){
let data5 = data.type;
const _errs19 = errors;
if(typeof data5 !== "string"){
const err15 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/1/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if("ack" !== data5){
const err16 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/1/properties/type/const",keyword:"const",params:{allowedValue: "ack"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
var valid3 = _errs19 === errors;
}
else {
var valid3 = true;
}
if(valid3){
if(data.version !== undefined){
const _errs21 = errors;
if(typeof data.version !== "string"){
const err17 = {instancePath:instancePath+"/version",schemaPath:"#/anyOf/1/properties/version/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
var valid3 = _errs21 === errors;
}
else {
var valid3 = true;
}
if(valid3){
if(data.nonce !== undefined){
const _errs23 = errors;
if(typeof data.nonce !== "string"){
const err18 = {instancePath:instancePath+"/nonce",schemaPath:"#/anyOf/1/properties/nonce/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
var valid3 = _errs23 === errors;
}
else {
var valid3 = true;
}
}
}
}
}
else {
const err19 = {instancePath,schemaPath:"#/anyOf/1/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
var _valid0 = _errs17 === errors;
valid0 = valid0 || _valid0;
if(!valid0){
const _errs25 = errors;
if(errors === _errs25){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing2;
if((((((data.type === undefined) && (missing2 = "type")) || ((data.version === undefined) && (missing2 = "version"))) || ((data.nonce === undefined) && (missing2 = "nonce"))) || ((data.rejectedVersion === undefined) && (missing2 = "rejectedVersion"))) || ((data.error === undefined) && (missing2 = "error"))){
const err20 = {instancePath,schemaPath:"#/anyOf/2/required",keyword:"required",params:{missingProperty: missing2},message:"must have required property '"+missing2+"'"};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
else {
if(data.type !== undefined){
let data8 = data.type;
const _errs27 = errors;
if(typeof data8 !== "string"){
const err21 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/2/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
if("nack" !== data8){
const err22 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/2/properties/type/const",keyword:"const",params:{allowedValue: "nack"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
var valid4 = _errs27 === errors;
}
else {
var valid4 = true;
}
if(valid4){
if(data.version !== undefined){
let data9 = data.version;
const _errs29 = errors;
const _errs30 = errors;
let valid5 = false;
const _errs31 = errors;
if(typeof data9 !== "string"){
const err23 = {instancePath:instancePath+"/version",schemaPath:"#/anyOf/2/properties/version/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
var _valid2 = _errs31 === errors;
valid5 = valid5 || _valid2;
if(!valid5){
const _errs33 = errors;
if(data9 !== null){
const err24 = {instancePath:instancePath+"/version",schemaPath:"#/anyOf/2/properties/version/anyOf/1/type",keyword:"type",params:{type: "null"},message:"must be null"};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
var _valid2 = _errs33 === errors;
valid5 = valid5 || _valid2;
}
if(!valid5){
const err25 = {instancePath:instancePath+"/version",schemaPath:"#/anyOf/2/properties/version/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
else {
errors = _errs30;
if(vErrors !== null){
if(_errs30){
vErrors.length = _errs30;
}
else {
vErrors = null;
}
}
}
var valid4 = _errs29 === errors;
}
else {
var valid4 = true;
}
if(valid4){
if(data.nonce !== undefined){
const _errs35 = errors;
if(typeof data.nonce !== "string"){
const err26 = {instancePath:instancePath+"/nonce",schemaPath:"#/anyOf/2/properties/nonce/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
var valid4 = _errs35 === errors;
}
else {
var valid4 = true;
}
if(valid4){
if(data.rejectedVersion !== undefined){
const _errs37 = errors;
if(typeof data.rejectedVersion !== "string"){
const err27 = {instancePath:instancePath+"/rejectedVersion",schemaPath:"#/anyOf/2/properties/rejectedVersion/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
var valid4 = _errs37 === errors;
}
else {
var valid4 = true;
}
if(valid4){
if(data.error !== undefined){
let data12 = data.error;
const _errs39 = errors;
if(errors === _errs39){
if(data12 && typeof data12 == "object" && !Array.isArray(data12)){
let missing3;
if(((data12.code === undefined) && (missing3 = "code")) || ((data12.message === undefined) && (missing3 = "message"))){
const err28 = {instancePath:instancePath+"/error",schemaPath:"#/anyOf/2/properties/error/required",keyword:"required",params:{missingProperty: missing3},message:"must have required property '"+missing3+"'"};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
else {
if(data12.code !== undefined){
const _errs41 = errors;
if(typeof data12.code !== "string"){
const err29 = {instancePath:instancePath+"/error/code",schemaPath:"#/anyOf/2/properties/error/properties/code/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
var valid6 = _errs41 === errors;
}
else {
var valid6 = true;
}
if(valid6){
if(data12.message !== undefined){
const _errs43 = errors;
if(typeof data12.message !== "string"){
const err30 = {instancePath:instancePath+"/error/message",schemaPath:"#/anyOf/2/properties/error/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
var valid6 = _errs43 === errors;
}
else {
var valid6 = true;
}
}
}
}
else {
const err31 = {instancePath:instancePath+"/error",schemaPath:"#/anyOf/2/properties/error/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
var valid4 = _errs39 === errors;
}
else {
var valid4 = true;
}
}
}
}
}
}
}
else {
const err32 = {instancePath,schemaPath:"#/anyOf/2/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
var _valid0 = _errs25 === errors;
valid0 = valid0 || _valid0;
if(!valid0){
const _errs45 = errors;
if(errors === _errs45){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing4;
if(((data.type === undefined) && (missing4 = "type")) || ((data.ts === undefined) && (missing4 = "ts"))){
const err33 = {instancePath,schemaPath:"#/anyOf/3/required",keyword:"required",params:{missingProperty: missing4},message:"must have required property '"+missing4+"'"};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
else {
if(data.type !== undefined){
let data15 = data.type;
const _errs47 = errors;
if(typeof data15 !== "string"){
const err34 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/3/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
if("heartbeat" !== data15){
const err35 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/3/properties/type/const",keyword:"const",params:{allowedValue: "heartbeat"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
var valid7 = _errs47 === errors;
}
else {
var valid7 = true;
}
if(valid7){
if(data.ts !== undefined){
let data16 = data.ts;
const _errs49 = errors;
if(!((typeof data16 == "number") && (isFinite(data16)))){
const err36 = {instancePath:instancePath+"/ts",schemaPath:"#/anyOf/3/properties/ts/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
var valid7 = _errs49 === errors;
}
else {
var valid7 = true;
}
}
}
}
else {
const err37 = {instancePath,schemaPath:"#/anyOf/3/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
var _valid0 = _errs45 === errors;
valid0 = valid0 || _valid0;
if(!valid0){
const _errs51 = errors;
if(errors === _errs51){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing5;
if((((data.type === undefined) && (missing5 = "type")) || ((data.full === undefined) && (missing5 = "full"))) || ((data.servers === undefined) && (missing5 = "servers"))){
const err38 = {instancePath,schemaPath:"#/anyOf/4/required",keyword:"required",params:{missingProperty: missing5},message:"must have required property '"+missing5+"'"};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
else {
if(data.type !== undefined){
let data17 = data.type;
const _errs53 = errors;
if(typeof data17 !== "string"){
const err39 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/4/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
if("health" !== data17){
const err40 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/4/properties/type/const",keyword:"const",params:{allowedValue: "health"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
var valid8 = _errs53 === errors;
}
else {
var valid8 = true;
}
if(valid8){
if(data.full !== undefined){
const _errs55 = errors;
if(typeof data.full !== "boolean"){
const err41 = {instancePath:instancePath+"/full",schemaPath:"#/anyOf/4/properties/full/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
var valid8 = _errs55 === errors;
}
else {
var valid8 = true;
}
if(valid8){
if(data.servers !== undefined){
let data19 = data.servers;
const _errs57 = errors;
if(errors === _errs57){
if(Array.isArray(data19)){
var valid9 = true;
const len0 = data19.length;
for(let i0=0; i0<len0; i0++){
let data20 = data19[i0];
const _errs59 = errors;
if(errors === _errs59){
if(data20 && typeof data20 == "object" && !Array.isArray(data20)){
let missing6;
if(((((((data20.backend === undefined) && (missing6 = "backend")) || ((data20.server === undefined) && (missing6 = "server"))) || ((data20.address === undefined) && (missing6 = "address"))) || ((data20.state === undefined) && (missing6 = "state"))) || ((data20.reason === undefined) && (missing6 = "reason"))) || ((data20.since === undefined) && (missing6 = "since"))){
const err42 = {instancePath:instancePath+"/servers/" + i0,schemaPath:"#/anyOf/4/properties/servers/items/required",keyword:"required",params:{missingProperty: missing6},message:"must have required property '"+missing6+"'"};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
else {
if(data20.backend !== undefined){
const _errs61 = errors;
if(typeof data20.backend !== "string"){
const err43 = {instancePath:instancePath+"/servers/" + i0+"/backend",schemaPath:"#/anyOf/4/properties/servers/items/properties/backend/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
var valid10 = _errs61 === errors;
}
else {
var valid10 = true;
}
if(valid10){
if(data20.server !== undefined){
const _errs63 = errors;
if(typeof data20.server !== "string"){
const err44 = {instancePath:instancePath+"/servers/" + i0+"/server",schemaPath:"#/anyOf/4/properties/servers/items/properties/server/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
var valid10 = _errs63 === errors;
}
else {
var valid10 = true;
}
if(valid10){
if(data20.address !== undefined){
const _errs65 = errors;
if(typeof data20.address !== "string"){
const err45 = {instancePath:instancePath+"/servers/" + i0+"/address",schemaPath:"#/anyOf/4/properties/servers/items/properties/address/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
var valid10 = _errs65 === errors;
}
else {
var valid10 = true;
}
if(valid10){
if(data20.state !== undefined){
let data24 = data20.state;
const _errs67 = errors;
const _errs68 = errors;
let valid11 = false;
const _errs69 = errors;
if(typeof data24 !== "string"){
const err46 = {instancePath:instancePath+"/servers/" + i0+"/state",schemaPath:"#/anyOf/4/properties/servers/items/properties/state/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
if("up" !== data24){
const err47 = {instancePath:instancePath+"/servers/" + i0+"/state",schemaPath:"#/anyOf/4/properties/servers/items/properties/state/anyOf/0/const",keyword:"const",params:{allowedValue: "up"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
var _valid3 = _errs69 === errors;
valid11 = valid11 || _valid3;
if(!valid11){
const _errs71 = errors;
if(typeof data24 !== "string"){
const err48 = {instancePath:instancePath+"/servers/" + i0+"/state",schemaPath:"#/anyOf/4/properties/servers/items/properties/state/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
if("down" !== data24){
const err49 = {instancePath:instancePath+"/servers/" + i0+"/state",schemaPath:"#/anyOf/4/properties/servers/items/properties/state/anyOf/1/const",keyword:"const",params:{allowedValue: "down"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
var _valid3 = _errs71 === errors;
valid11 = valid11 || _valid3;
}
if(!valid11){
const err50 = {instancePath:instancePath+"/servers/" + i0+"/state",schemaPath:"#/anyOf/4/properties/servers/items/properties/state/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
else {
errors = _errs68;
if(vErrors !== null){
if(_errs68){
vErrors.length = _errs68;
}
else {
vErrors = null;
}
}
}
var valid10 = _errs67 === errors;
}
else {
var valid10 = true;
}
if(valid10){
if(data20.reason !== undefined){
const _errs73 = errors;
if(typeof data20.reason !== "string"){
const err51 = {instancePath:instancePath+"/servers/" + i0+"/reason",schemaPath:"#/anyOf/4/properties/servers/items/properties/reason/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
var valid10 = _errs73 === errors;
}
else {
var valid10 = true;
}
if(valid10){
if(data20.since !== undefined){
let data26 = data20.since;
const _errs75 = errors;
if(!((typeof data26 == "number") && (isFinite(data26)))){
const err52 = {instancePath:instancePath+"/servers/" + i0+"/since",schemaPath:"#/anyOf/4/properties/servers/items/properties/since/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
var valid10 = _errs75 === errors;
}
else {
var valid10 = true;
}
}
}
}
}
}
}
}
else {
const err53 = {instancePath:instancePath+"/servers/" + i0,schemaPath:"#/anyOf/4/properties/servers/items/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
}
var valid9 = _errs59 === errors;
if(!valid9){
break;
}
}
}
else {
const err54 = {instancePath:instancePath+"/servers",schemaPath:"#/anyOf/4/properties/servers/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err54];
}
else {
vErrors.push(err54);
}
errors++;
}
}
var valid8 = _errs57 === errors;
}
else {
var valid8 = true;
}
}
}
}
}
else {
const err55 = {instancePath,schemaPath:"#/anyOf/4/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err55];
}
else {
vErrors.push(err55);
}
errors++;
}
}
var _valid0 = _errs51 === errors;
valid0 = valid0 || _valid0;
if(!valid0){
const _errs77 = errors;
if(errors === _errs77){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing7;
if(((data.type === undefined) && (missing7 = "type")) || ((data.servers === undefined) && (missing7 = "servers"))){
const err56 = {instancePath,schemaPath:"#/anyOf/5/required",keyword:"required",params:{missingProperty: missing7},message:"must have required property '"+missing7+"'"};
if(vErrors === null){
vErrors = [err56];
}
else {
vErrors.push(err56);
}
errors++;
}
else {
if(data.type !== undefined){
let data27 = data.type;
const _errs79 = errors;
if(typeof data27 !== "string"){
const err57 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/5/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err57];
}
else {
vErrors.push(err57);
}
errors++;
}
if("overrides" !== data27){
const err58 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/5/properties/type/const",keyword:"const",params:{allowedValue: "overrides"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err58];
}
else {
vErrors.push(err58);
}
errors++;
}
var valid12 = _errs79 === errors;
}
else {
var valid12 = true;
}
if(valid12){
if(data.servers !== undefined){
let data28 = data.servers;
const _errs81 = errors;
if(errors === _errs81){
if(Array.isArray(data28)){
var valid13 = true;
const len1 = data28.length;
for(let i1=0; i1<len1; i1++){
let data29 = data28[i1];
const _errs83 = errors;
if(errors === _errs83){
if(data29 && typeof data29 == "object" && !Array.isArray(data29)){
let missing8;
if(((((((data29.backend === undefined) && (missing8 = "backend")) || ((data29.server === undefined) && (missing8 = "server"))) || ((data29.address === undefined) && (missing8 = "address"))) || ((data29.state === undefined) && (missing8 = "state"))) || ((data29.since === undefined) && (missing8 = "since"))) || ((data29.reason === undefined) && (missing8 = "reason"))){
const err59 = {instancePath:instancePath+"/servers/" + i1,schemaPath:"#/anyOf/5/properties/servers/items/required",keyword:"required",params:{missingProperty: missing8},message:"must have required property '"+missing8+"'"};
if(vErrors === null){
vErrors = [err59];
}
else {
vErrors.push(err59);
}
errors++;
}
else {
if(data29.backend !== undefined){
const _errs85 = errors;
if(typeof data29.backend !== "string"){
const err60 = {instancePath:instancePath+"/servers/" + i1+"/backend",schemaPath:"#/anyOf/5/properties/servers/items/properties/backend/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err60];
}
else {
vErrors.push(err60);
}
errors++;
}
var valid14 = _errs85 === errors;
}
else {
var valid14 = true;
}
if(valid14){
if(data29.server !== undefined){
const _errs87 = errors;
if(typeof data29.server !== "string"){
const err61 = {instancePath:instancePath+"/servers/" + i1+"/server",schemaPath:"#/anyOf/5/properties/servers/items/properties/server/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err61];
}
else {
vErrors.push(err61);
}
errors++;
}
var valid14 = _errs87 === errors;
}
else {
var valid14 = true;
}
if(valid14){
if(data29.address !== undefined){
const _errs89 = errors;
if(typeof data29.address !== "string"){
const err62 = {instancePath:instancePath+"/servers/" + i1+"/address",schemaPath:"#/anyOf/5/properties/servers/items/properties/address/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err62];
}
else {
vErrors.push(err62);
}
errors++;
}
var valid14 = _errs89 === errors;
}
else {
var valid14 = true;
}
if(valid14){
if(data29.state !== undefined){
let data33 = data29.state;
const _errs91 = errors;
const _errs92 = errors;
let valid15 = false;
const _errs93 = errors;
if(typeof data33 !== "string"){
const err63 = {instancePath:instancePath+"/servers/" + i1+"/state",schemaPath:"#/anyOf/5/properties/servers/items/properties/state/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err63];
}
else {
vErrors.push(err63);
}
errors++;
}
if("ready" !== data33){
const err64 = {instancePath:instancePath+"/servers/" + i1+"/state",schemaPath:"#/anyOf/5/properties/servers/items/properties/state/anyOf/0/const",keyword:"const",params:{allowedValue: "ready"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err64];
}
else {
vErrors.push(err64);
}
errors++;
}
var _valid4 = _errs93 === errors;
valid15 = valid15 || _valid4;
if(!valid15){
const _errs95 = errors;
if(typeof data33 !== "string"){
const err65 = {instancePath:instancePath+"/servers/" + i1+"/state",schemaPath:"#/anyOf/5/properties/servers/items/properties/state/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err65];
}
else {
vErrors.push(err65);
}
errors++;
}
if("drain" !== data33){
const err66 = {instancePath:instancePath+"/servers/" + i1+"/state",schemaPath:"#/anyOf/5/properties/servers/items/properties/state/anyOf/1/const",keyword:"const",params:{allowedValue: "drain"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err66];
}
else {
vErrors.push(err66);
}
errors++;
}
var _valid4 = _errs95 === errors;
valid15 = valid15 || _valid4;
if(!valid15){
const _errs97 = errors;
if(typeof data33 !== "string"){
const err67 = {instancePath:instancePath+"/servers/" + i1+"/state",schemaPath:"#/anyOf/5/properties/servers/items/properties/state/anyOf/2/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err67];
}
else {
vErrors.push(err67);
}
errors++;
}
if("maintenance" !== data33){
const err68 = {instancePath:instancePath+"/servers/" + i1+"/state",schemaPath:"#/anyOf/5/properties/servers/items/properties/state/anyOf/2/const",keyword:"const",params:{allowedValue: "maintenance"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err68];
}
else {
vErrors.push(err68);
}
errors++;
}
var _valid4 = _errs97 === errors;
valid15 = valid15 || _valid4;
}
}
if(!valid15){
const err69 = {instancePath:instancePath+"/servers/" + i1+"/state",schemaPath:"#/anyOf/5/properties/servers/items/properties/state/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err69];
}
else {
vErrors.push(err69);
}
errors++;
}
else {
errors = _errs92;
if(vErrors !== null){
if(_errs92){
vErrors.length = _errs92;
}
else {
vErrors = null;
}
}
}
var valid14 = _errs91 === errors;
}
else {
var valid14 = true;
}
if(valid14){
if(data29.since !== undefined){
let data34 = data29.since;
const _errs99 = errors;
if(!((typeof data34 == "number") && (isFinite(data34)))){
const err70 = {instancePath:instancePath+"/servers/" + i1+"/since",schemaPath:"#/anyOf/5/properties/servers/items/properties/since/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err70];
}
else {
vErrors.push(err70);
}
errors++;
}
var valid14 = _errs99 === errors;
}
else {
var valid14 = true;
}
if(valid14){
if(data29.reason !== undefined){
const _errs101 = errors;
if(typeof data29.reason !== "string"){
const err71 = {instancePath:instancePath+"/servers/" + i1+"/reason",schemaPath:"#/anyOf/5/properties/servers/items/properties/reason/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err71];
}
else {
vErrors.push(err71);
}
errors++;
}
var valid14 = _errs101 === errors;
}
else {
var valid14 = true;
}
}
}
}
}
}
}
}
else {
const err72 = {instancePath:instancePath+"/servers/" + i1,schemaPath:"#/anyOf/5/properties/servers/items/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err72];
}
else {
vErrors.push(err72);
}
errors++;
}
}
var valid13 = _errs83 === errors;
if(!valid13){
break;
}
}
}
else {
const err73 = {instancePath:instancePath+"/servers",schemaPath:"#/anyOf/5/properties/servers/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err73];
}
else {
vErrors.push(err73);
}
errors++;
}
}
var valid12 = _errs81 === errors;
}
else {
var valid12 = true;
}
}
}
}
else {
const err74 = {instancePath,schemaPath:"#/anyOf/5/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err74];
}
else {
vErrors.push(err74);
}
errors++;
}
}
var _valid0 = _errs77 === errors;
valid0 = valid0 || _valid0;
}
}
}
}
}
if(!valid0){
const err75 = {instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err75];
}
else {
vErrors.push(err75);
}
errors++;
validate26.errors = vErrors;
return false;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate26.errors = vErrors;
return errors === 0;
}

export const ControllerEnvelope: ValidateFunction = validate27;
const schema10 = {"anyOf":[{"type":"object","required":["type","version","nonce","body"],"properties":{"type":{"const":"snapshot","type":"string"},"version":{"type":"string"},"nonce":{"type":"string"},"body":{}}},{"type":"object","required":["type","version","baseVersion","nonce","group","frontends","backends"],"properties":{"type":{"const":"delta","type":"string"},"version":{"type":"string"},"baseVersion":{"type":"string"},"nonce":{"type":"string"},"group":{"type":"string"},"frontends":{"type":"object","required":["upsert","remove"],"properties":{"upsert":{"maxItems":10000,"type":"array","items":{}},"remove":{"maxItems":10000,"type":"array","items":{"type":"string"}}}},"backends":{"type":"object","required":["upsert","remove"],"properties":{"upsert":{"maxItems":10000,"type":"array","items":{}},"remove":{"maxItems":10000,"type":"array","items":{"type":"string"}}}}}},{"type":"object","required":["type","ts"],"properties":{"type":{"const":"heartbeat","type":"string"},"ts":{"type":"number"}}},{"type":"object","required":["type","error"],"properties":{"type":{"const":"error","type":"string"},"error":{"type":"object","required":["code","message"],"properties":{"code":{"type":"string"},"message":{"type":"string"}}}}}]};

function validate27(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
const _errs0 = errors;
let valid0 = false;
const _errs1 = errors;
if(errors === _errs1){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing0;
if(((((data.type === undefined) && (missing0 = "type")) || ((data.version === undefined) && (missing0 = "version"))) || ((data.nonce === undefined) && (missing0 = "nonce"))) || ((data.body === undefined) && (missing0 = "body"))){
const err0 = {instancePath,schemaPath:"#/anyOf/0/required",keyword:"required",params:{missingProperty: missing0},message:"must have required property '"+missing0+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
else {
if(data.type !== undefined){
let data0 = data.type;
const _errs3 = errors;
if(typeof data0 !== "string"){
const err1 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/0/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if("snapshot" !== data0){
const err2 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/0/properties/type/const",keyword:"const",params:{allowedValue: "snapshot"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
var valid1 = _errs3 === errors;
}
else {
var valid1 = true;
}
if(valid1){
if(data.version !== undefined){
const _errs5 = errors;
if(typeof data.version !== "string"){
const err3 = {instancePath:instancePath+"/version",schemaPath:"#/anyOf/0/properties/version/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
var valid1 = _errs5 === errors;
}
else {
var valid1 = true;
}
if(valid1){
if(data.nonce !== undefined){
const _errs7 = errors;
if(typeof data.nonce !== "string"){
const err4 = {instancePath:instancePath+"/nonce",schemaPath:"#/anyOf/0/properties/nonce/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
var valid1 = _errs7 === errors;
}
else {
var valid1 = true;
}
}
}
}
}
else {
const err5 = {instancePath,schemaPath:"#/anyOf/0/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
var _valid0 = _errs1 === errors;
valid0 = valid0 || _valid0;
if(!valid0){
const _errs9 = errors;
if(errors === _errs9){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing1;
if((((((((data.type === undefined) && (missing1 = "type")) || ((data.version === undefined) && (missing1 = "version"))) || ((data.baseVersion === undefined) && (missing1 = "baseVersion"))) || ((data.nonce === undefined) && (missing1 = "nonce"))) || ((data.group === undefined) && (missing1 = "group"))) || ((data.frontends === undefined) && (missing1 = "frontends"))) || ((data.backends === undefined) && (missing1 = "backends"))){
const err6 = {instancePath,schemaPath:"#/anyOf/1/required",keyword:"required",params:{missingProperty: missing1},message:"must have required property '"+missing1+"'"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
else {
if(data.type !== undefined){
let data3 = data.type;
const _errs11 = errors;
if(typeof data3 !== "string"){
const err7 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/1/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if("delta" !== data3){
const err8 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/1/properties/type/const",keyword:"const",params:{allowedValue: "delta"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
var valid2 = _errs11 === errors;
}
else {
var valid2 = true;
}
if(valid2){
if(data.version !== undefined){
const _errs13 = errors;
if(typeof data.version !== "string"){
const err9 = {instancePath:instancePath+"/version",schemaPath:"#/anyOf/1/properties/version/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
var valid2 = _errs13 === errors;
}
else {
var valid2 = true;
}
if(valid2){
if(data.baseVersion !== undefined){
const _errs15 = errors;
if(typeof data.baseVersion !== "string"){
const err10 = {instancePath:instancePath+"/baseVersion",schemaPath:"#/anyOf/1/properties/baseVersion/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
var valid2 = _errs15 === errors;
}
else {
var valid2 = true;
}
if(valid2){
if(data.nonce !== undefined){
const _errs17 = errors;
if(typeof data.nonce !== "string"){
const err11 = {instancePath:instancePath+"/nonce",schemaPath:"#/anyOf/1/properties/nonce/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
var valid2 = _errs17 === errors;
}
else {
var valid2 = true;
}
if(valid2){
if(data.group !== undefined){
const _errs19 = errors;
if(typeof data.group !== "string"){
const err12 = {instancePath:instancePath+"/group",schemaPath:"#/anyOf/1/properties/group/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
var valid2 = _errs19 === errors;
}
else {
var valid2 = true;
}
if(valid2){
if(data.frontends !== undefined){
let data8 = data.frontends;
const _errs21 = errors;
if(errors === _errs21){
if(data8 && typeof data8 == "object" && !Array.isArray(data8)){
let missing2;
if(((data8.upsert === undefined) && (missing2 = "upsert")) || ((data8.remove === undefined) && (missing2 = "remove"))){
const err13 = {instancePath:instancePath+"/frontends",schemaPath:"#/anyOf/1/properties/frontends/required",keyword:"required",params:{missingProperty: missing2},message:"must have required property '"+missing2+"'"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
else {
if(data8.upsert !== undefined){
let data9 = data8.upsert;
const _errs23 = errors;
if(errors === _errs23){
if(Array.isArray(data9)){
if(data9.length > 10000){
const err14 = {instancePath:instancePath+"/frontends/upsert",schemaPath:"#/anyOf/1/properties/frontends/properties/upsert/maxItems",keyword:"maxItems",params:{limit: 10000},message:"must NOT have more than 10000 items"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/frontends/upsert",schemaPath:"#/anyOf/1/properties/frontends/properties/upsert/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
var valid3 = _errs23 === errors;
}
else {
var valid3 = true;
}
if(valid3){
if(data8.remove !== undefined){
let data10 = data8.remove;
const _errs25 = errors;
if(errors === _errs25){
if(Array.isArray(data10)){
if(data10.length > 10000){
const err16 = {instancePath:instancePath+"/frontends/remove",schemaPath:"#/anyOf/1/properties/frontends/properties/remove/maxItems",keyword:"maxItems",params:{limit: 10000},message:"must NOT have more than 10000 items"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
else {
var valid4 = true;
const len0 = data10.length;
for(let i0=0; i0<len0; i0++){
const _errs27 = errors;
if(typeof data10[i0] !== "string"){
const err17 = {instancePath:instancePath+"/frontends/remove/" + i0,schemaPath:"#/anyOf/1/properties/frontends/properties/remove/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
var valid4 = _errs27 === errors;
if(!valid4){
break;
}
}
}
}
else {
const err18 = {instancePath:instancePath+"/frontends/remove",schemaPath:"#/anyOf/1/properties/frontends/properties/remove/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
var valid3 = _errs25 === errors;
}
else {
var valid3 = true;
}
}
}
}
else {
const err19 = {instancePath:instancePath+"/frontends",schemaPath:"#/anyOf/1/properties/frontends/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
var valid2 = _errs21 === errors;
}
else {
var valid2 = true;
}
if(valid2){
if(data.backends !== undefined){
let data12 = data.backends;
const _errs29 = errors;
if(errors === _errs29){
if(data12 && typeof data12 == "object" && !Array.isArray(data12)){
let missing3;
if(((data12.upsert === undefined) && (missing3 = "upsert")) || ((data12.remove === undefined) && (missing3 = "remove"))){
const err20 = {instancePath:instancePath+"/backends",schemaPath:"#/anyOf/1/properties/backends/required",keyword:"required",params:{missingProperty: missing3},message:"must have required property '"+missing3+"'"};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
else {
if(data12.upsert !== undefined){
let data13 = data12.upsert;
const _errs31 = errors;
if(errors === _errs31){
if(Array.isArray(data13)){
if(data13.length > 10000){
const err21 = {instancePath:instancePath+"/backends/upsert",schemaPath:"#/anyOf/1/properties/backends/properties/upsert/maxItems",keyword:"maxItems",params:{limit: 10000},message:"must NOT have more than 10000 items"};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
else {
const err22 = {instancePath:instancePath+"/backends/upsert",schemaPath:"#/anyOf/1/properties/backends/properties/upsert/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
var valid5 = _errs31 === errors;
}
else {
var valid5 = true;
}
if(valid5){
if(data12.remove !== undefined){
let data14 = data12.remove;
const _errs33 = errors;
if(errors === _errs33){
if(Array.isArray(data14)){
if(data14.length > 10000){
const err23 = {instancePath:instancePath+"/backends/remove",schemaPath:"#/anyOf/1/properties/backends/properties/remove/maxItems",keyword:"maxItems",params:{limit: 10000},message:"must NOT have more than 10000 items"};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
else {
var valid6 = true;
const len1 = data14.length;
for(let i1=0; i1<len1; i1++){
const _errs35 = errors;
if(typeof data14[i1] !== "string"){
const err24 = {instancePath:instancePath+"/backends/remove/" + i1,schemaPath:"#/anyOf/1/properties/backends/properties/remove/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
var valid6 = _errs35 === errors;
if(!valid6){
break;
}
}
}
}
else {
const err25 = {instancePath:instancePath+"/backends/remove",schemaPath:"#/anyOf/1/properties/backends/properties/remove/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
var valid5 = _errs33 === errors;
}
else {
var valid5 = true;
}
}
}
}
else {
const err26 = {instancePath:instancePath+"/backends",schemaPath:"#/anyOf/1/properties/backends/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
var valid2 = _errs29 === errors;
}
else {
var valid2 = true;
}
}
}
}
}
}
}
}
}
else {
const err27 = {instancePath,schemaPath:"#/anyOf/1/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
var _valid0 = _errs9 === errors;
valid0 = valid0 || _valid0;
if(!valid0){
const _errs37 = errors;
if(errors === _errs37){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing4;
if(((data.type === undefined) && (missing4 = "type")) || ((data.ts === undefined) && (missing4 = "ts"))){
const err28 = {instancePath,schemaPath:"#/anyOf/2/required",keyword:"required",params:{missingProperty: missing4},message:"must have required property '"+missing4+"'"};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
else {
if(data.type !== undefined){
let data16 = data.type;
const _errs39 = errors;
if(typeof data16 !== "string"){
const err29 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/2/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
if("heartbeat" !== data16){
const err30 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/2/properties/type/const",keyword:"const",params:{allowedValue: "heartbeat"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
var valid7 = _errs39 === errors;
}
else {
var valid7 = true;
}
if(valid7){
if(data.ts !== undefined){
let data17 = data.ts;
const _errs41 = errors;
if(!((typeof data17 == "number") && (isFinite(data17)))){
const err31 = {instancePath:instancePath+"/ts",schemaPath:"#/anyOf/2/properties/ts/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
var valid7 = _errs41 === errors;
}
else {
var valid7 = true;
}
}
}
}
else {
const err32 = {instancePath,schemaPath:"#/anyOf/2/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
var _valid0 = _errs37 === errors;
valid0 = valid0 || _valid0;
if(!valid0){
const _errs43 = errors;
if(errors === _errs43){
if(data && typeof data == "object" && !Array.isArray(data)){
let missing5;
if(((data.type === undefined) && (missing5 = "type")) || ((data.error === undefined) && (missing5 = "error"))){
const err33 = {instancePath,schemaPath:"#/anyOf/3/required",keyword:"required",params:{missingProperty: missing5},message:"must have required property '"+missing5+"'"};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
else {
if(data.type !== undefined){
let data18 = data.type;
const _errs45 = errors;
if(typeof data18 !== "string"){
const err34 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/3/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
if("error" !== data18){
const err35 = {instancePath:instancePath+"/type",schemaPath:"#/anyOf/3/properties/type/const",keyword:"const",params:{allowedValue: "error"},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
var valid8 = _errs45 === errors;
}
else {
var valid8 = true;
}
if(valid8){
if(data.error !== undefined){
let data19 = data.error;
const _errs47 = errors;
if(errors === _errs47){
if(data19 && typeof data19 == "object" && !Array.isArray(data19)){
let missing6;
if(((data19.code === undefined) && (missing6 = "code")) || ((data19.message === undefined) && (missing6 = "message"))){
const err36 = {instancePath:instancePath+"/error",schemaPath:"#/anyOf/3/properties/error/required",keyword:"required",params:{missingProperty: missing6},message:"must have required property '"+missing6+"'"};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
else {
if(data19.code !== undefined){
const _errs49 = errors;
if(typeof data19.code !== "string"){
const err37 = {instancePath:instancePath+"/error/code",schemaPath:"#/anyOf/3/properties/error/properties/code/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
var valid9 = _errs49 === errors;
}
else {
var valid9 = true;
}
if(valid9){
if(data19.message !== undefined){
const _errs51 = errors;
if(typeof data19.message !== "string"){
const err38 = {instancePath:instancePath+"/error/message",schemaPath:"#/anyOf/3/properties/error/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
var valid9 = _errs51 === errors;
}
else {
var valid9 = true;
}
}
}
}
else {
const err39 = {instancePath:instancePath+"/error",schemaPath:"#/anyOf/3/properties/error/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
}
var valid8 = _errs47 === errors;
}
else {
var valid8 = true;
}
}
}
}
else {
const err40 = {instancePath,schemaPath:"#/anyOf/3/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
}
var _valid0 = _errs43 === errors;
valid0 = valid0 || _valid0;
}
}
}
if(!valid0){
const err41 = {instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf"};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
validate27.errors = vErrors;
return false;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate27.errors = vErrors;
return errors === 0;
}

