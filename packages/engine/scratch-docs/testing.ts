const m = await import('holdpoint/testing').catch((e) => e.message)
console.log(m)
