// Namespaces nearly every file of the server uses.
global using Microsoft.AspNetCore.Builder;
global using Microsoft.AspNetCore.Http;
